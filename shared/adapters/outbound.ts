import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { runsInAzure } from '../config';

/**
 * Outbound calls stay outside (design.md "Guarantees of the workflow"). The Test Drive probe and
 * lead deliveries call URLs a publisher typed; without a policy they would reach the platform's
 * metadata service, this app's own storage or anything on its network, and echo what they found.
 *
 * - The host is resolved here and every address it resolves to is checked; the connection then
 *   goes to the checked address (the request's `lookup` returns it), so a DNS answer that changes
 *   between the check and the connect (DNS rebinding) cannot slip past.
 * - Redirects are never followed: every request is one checked hop, and a 3xx is an answer.
 * - Failures are told in words ("did not answer over https within 10 s"), never as the network
 *   error codes (ECONNREFUSED, ERR_SSL_...) that would turn the pipeline into a port scanner.
 */
export interface OutboundPolicy {
  /** Loopback addresses may be called: only off Azure, where steps are tried against local servers. */
  allowLoopback: boolean;
  /** Plain http may be used: only off Azure (Azurite and local test servers speak http). */
  allowHttp: boolean;
}

export const AZURE_POLICY: OutboundPolicy = { allowLoopback: false, allowHttp: false };
export const LOCAL_POLICY: OutboundPolicy = { allowLoopback: true, allowHttp: true };

export type AddressKind = 'loopback' | 'private' | 'link-local' | 'unique-local' | 'platform' | 'reserved';

/** Why an address is not called, in words a publisher can act on. */
const KIND_TEXT: Record<AddressKind, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  'link-local': "a link-local address (where the platform's metadata service answers)",
  'unique-local': 'a unique-local (private) IPv6 address',
  platform: "an address of the hosting platform's own services",
  reserved: 'an address that is not a public internet address',
};

const RANGES: [string, number, 'ipv4' | 'ipv6', AddressKind][] = [
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'private'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fc00::', 7, 'ipv6', 'unique-local'],
  // Site-local (deprecated, but routed inside networks that still use it).
  ['fec0::', 10, 'ipv6', 'private'],
  // Azure's wire server (host agent, DNS, health probes): public, but the platform's own.
  ['168.63.129.16', 32, 'ipv4', 'platform'],
  ['0.0.0.0', 8, 'ipv4', 'reserved'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.0.2.0', 24, 'ipv4', 'reserved'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['198.51.100.0', 24, 'ipv4', 'reserved'],
  ['203.0.113.0', 24, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'reserved'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'reserved'],
  ['ff00::', 8, 'ipv6', 'reserved'],
  ['2001:db8::', 32, 'ipv6', 'reserved'],
  // The discard prefix: a black hole by design, never a marketplace endpoint.
  ['100::', 64, 'ipv6', 'reserved'],
  // NAT64 and IPv4-compatible forms can carry any IPv4 address, private ones included.
  ['64:ff9b::', 96, 'ipv6', 'reserved'],
  ['64:ff9b:1::', 48, 'ipv6', 'reserved'],
  ['::', 96, 'ipv6', 'reserved'],
];

/** One BlockList per kind; BlockList also matches IPv4-mapped IPv6 (::ffff:10.0.0.1) against IPv4 rules. */
const LISTS: [AddressKind, net.BlockList][] = (() => {
  const lists = new Map<AddressKind, net.BlockList>();
  for (const [network, prefix, family, kind] of RANGES) {
    const list = lists.get(kind) ?? new net.BlockList();
    list.addSubnet(network, prefix, family);
    lists.set(kind, list);
  }
  return [...lists.entries()];
})();

/** The eight 16-bit words of an IPv6 address (zone id dropped; a trailing dotted quad allowed). */
function ipv6Words(address: string): number[] | undefined {
  const text = address.replace(/%.*$/, '');
  if (!net.isIPv6(text)) return undefined;
  const [head = '', tail] = text.split('::');
  const part = (s: string): number[] =>
    s === ''
      ? []
      : s.split(':').flatMap((w) => {
          if (!w.includes('.')) return [parseInt(w, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = w.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const ipv4Of = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * The IPv4 addresses an IPv6 address carries, by its form: IPv4-mapped (::ffff:0:0/96),
 * IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64 (64:ff9b::/96), 6to4
 * (2002::/16, the 32 bits after the prefix) and Teredo (2001::/32: the server, and the client
 * with its bits inverted). A packet to such an address may end up at that IPv4 address.
 */
export function embeddedIpv4(address: string): string[] {
  const w = ipv6Words(address);
  if (!w) return [];
  const [w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0, w6 = 0, w7 = 0] = w;
  const zeroTo = (n: number) => w.slice(0, n).every((x) => x === 0);
  if (zeroTo(5) && w5 === 0xffff) return [ipv4Of(w6, w7)];
  if (zeroTo(4) && w4 === 0xffff && w5 === 0) return [ipv4Of(w6, w7)];
  // :: (unspecified) and ::1 (loopback) are IPv6's own addresses, not IPv4-compatible forms of
  // 0.0.0.0 and 0.0.0.1 (RFC 4291 2.5.5.1): they are judged by their own ranges below.
  if (zeroTo(6) && (w6 !== 0 || w7 > 1)) return [ipv4Of(w6, w7)];
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return [ipv4Of(w6, w7)];
  if (w0 === 0x2002) return [ipv4Of(w1, w2)];
  if (w0 === 0x2001 && w1 === 0) return [ipv4Of(w2, w3), ipv4Of(w6 ^ 0xffff, w7 ^ 0xffff)];
  return [];
}

function rangeKind(address: string, family: 'ipv4' | 'ipv6'): AddressKind | undefined {
  return LISTS.find(([, list]) => list.check(address, family))?.[0];
}

/**
 * The kind of a non-public address, or undefined for a public one. An IPv6 address that embeds
 * an IPv4 address is judged by that address first (so `::ffff:127.0.0.1` is loopback as
 * `127.0.0.1` is), then by its own range (a NAT64 or IPv4-compatible form stays reserved).
 */
export function addressKind(address: string): AddressKind | undefined {
  if (net.isIPv4(address)) return rangeKind(address, 'ipv4');
  if (!net.isIPv6(address.replace(/%.*$/, ''))) return 'reserved';
  for (const v4 of embeddedIpv4(address)) {
    const kind = rangeKind(v4, 'ipv4');
    if (kind) return kind;
  }
  return rangeKind(address.replace(/%.*$/, ''), 'ipv6');
}

/** A call the policy refuses; `message` says why, without an address or a network code. */
export class OutboundRefusal extends Error {
  constructor(
    message: string,
    /** The name did not resolve (now): nothing was judged about where it points. */
    readonly unresolved = false,
  ) {
    super(message);
    this.name = 'OutboundRefusal';
  }
}

function refusal(address: string, policy: OutboundPolicy): OutboundRefusal | undefined {
  const kind = addressKind(address);
  if (!kind || (kind === 'loopback' && policy.allowLoopback)) return undefined;
  return new OutboundRefusal(`its host resolves to ${KIND_TEXT[kind]}, which the marketplace does not call`);
}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves `hostname` and checks every address; all must be allowed (a name that also resolves to
 * a private address is refused, so no retry or family switch can reach it). Returns the first.
 */
export async function checkedAddress(hostname: string, policy: OutboundPolicy): Promise<CheckedAddress> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await dnsLookup(host, { all: true, verbatim: true });
    } catch {
      throw new OutboundRefusal('its host name could not be resolved', true);
    }
  }
  for (const { address } of addresses) {
    const refused = refusal(address, policy);
    if (refused) throw refused;
  }
  const first = addresses[0];
  if (!first) throw new OutboundRefusal('its host name could not be resolved');
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** Checks a URL's scheme against the policy; returns the URL. */
export function checkedUrl(url: string, policy: OutboundPolicy): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new OutboundRefusal('it is not an absolute URL');
  }
  const allowed = target.protocol === 'https:' || (policy.allowHttp && target.protocol === 'http:');
  if (!allowed) throw new OutboundRefusal('it must be an https URL');
  return target;
}

/** A `lookup` for net/tls that returns only the address that was checked. */
export function pinnedLookup(checked: CheckedAddress): net.LookupFunction {
  return (_hostname, options, callback) => {
    const all = (options as { all?: boolean }).all;
    if (all) (callback as (e: null, a: LookupAddress[]) => void)(null, [checked]);
    else callback(null, checked.address, checked.family);
  };
}

/** A network failure in words; the code itself is never shown. */
export function describeNetworkFailure(error: unknown): string {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  let code = '';
  while (current) {
    if (typeof current.code === 'string') code = current.code;
    current =
      current.cause && typeof current.cause === 'object' ? (current.cause as typeof current) : undefined;
  }
  if (/SSL|TLS|CERT|SELF_SIGNED|DEPTH_ZERO|UNABLE_TO_|HOSTNAME|ALTNAME/.test(code))
    return 'the https (TLS) handshake failed: it must serve https with a valid certificate for its host name';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name could not be resolved';
  return 'the connection failed';
}

/** "10 s", "0.3 s": how a timeout is told. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export type OutboundResult =
  | { kind: 'answered'; status: number }
  | { kind: 'timeout' }
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; reason: string };

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  policy: OutboundPolicy;
}

/**
 * One request under the policy: scheme, resolution and every address checked, then a connection
 * to the checked address only. The body of the answer is never read. Never throws.
 */
export async function outboundRequest(url: string, init: OutboundRequest): Promise<OutboundResult> {
  let target: URL;
  let checked: CheckedAddress;
  try {
    target = checkedUrl(url, init.policy);
    checked = await checkedAddress(target.hostname, init.policy);
  } catch (error) {
    if (error instanceof OutboundRefusal) return { kind: 'refused', reason: error.message };
    return { kind: 'failed', reason: describeNetworkFailure(error) };
  }
  return send(target, checked, init);
}

function send(target: URL, checked: CheckedAddress, init: OutboundRequest): Promise<OutboundResult> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const req = client.request(target, {
      method: init.method,
      headers: init.headers,
      lookup: pinnedLookup(checked),
      agent: false,
    });
    const timer = setTimeout(() => {
      resolve({ kind: 'timeout' });
      req.destroy();
    }, init.timeoutMs);
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve({ kind: 'answered', status: res.statusCode ?? 0 });
      res.destroy();
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'failed', reason: describeNetworkFailure(error) });
    });
    req.end(init.body);
  });
}

/**
 * The policy from settings: OUTBOUND_ALLOW_LOOPBACK, which defaults to on off Azure and off in
 * Azure (infra sets it "false" as well). Plain http follows it: only local servers speak http.
 */
export function outboundPolicyOf(settings: {
  OUTBOUND_ALLOW_LOOPBACK?: boolean;
  WEBSITE_HOSTNAME?: string;
}): OutboundPolicy {
  return (settings.OUTBOUND_ALLOW_LOOPBACK ?? !runsInAzure(settings)) ? LOCAL_POLICY : AZURE_POLICY;
}
