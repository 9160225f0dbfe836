/**
 * Issue 21, "Also": IPv6 forms of internal addresses. Every address that embeds an IPv4 address
 * (IPv4-mapped, IPv4-translated, IPv4-compatible, 6to4, Teredo) is judged by the IPv4 address it
 * embeds; site-local and the discard prefix are never called. checkedAddress with the Azure policy
 * is what the Test Drive probe and lead deliveries go through.
 */
import fc from 'fast-check';
import { AZURE_POLICY, OutboundRefusal, addressKind, checkedAddress } from '../../shared/adapters/outbound';

/** 6to4 (2002:WWXX:YYZZ::/48) of an IPv4 address. */
const sixToFour = (v4: string) => {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
  return `2002:${hex(a, b)}:${hex(c, d)}::1`;
};
/** Teredo: 2001:0:SERVER:flags:port:CLIENT, the client address with every bit inverted. */
const teredo = (server: string, client: string) => {
  const words = (v4: string, invert: boolean) => {
    const n = v4.split('.').map((x) => (invert ? 255 - Number(x) : Number(x)));
    return [((n[0]! << 8) | n[1]!).toString(16), ((n[2]! << 8) | n[3]!).toString(16)];
  };
  return ['2001', '0', ...words(server, false), '8000', 'f227', ...words(client, true)].join(':');
};

describe('IPv6 forms of internal addresses are refused (issue 21)', () => {
  it.each([
    ['6to4 of loopback', sixToFour('127.0.0.1'), 'loopback'],
    ['6to4 of a private address', sixToFour('10.1.2.3'), 'private'],
    ['6to4 of the metadata address', sixToFour('169.254.169.254'), 'link-local'],
    ['Teredo with a private client', teredo('65.54.227.120', '192.168.1.20'), 'private'],
    ['Teredo with the metadata address as client', teredo('65.54.227.120', '169.254.169.254'), 'link-local'],
    ['Teredo with a private server', teredo('10.0.0.1', '8.8.8.8'), 'private'],
    ['IPv4-translated loopback', '::ffff:0:127.0.0.1', 'loopback'],
    ['IPv4-translated metadata, hex', '::ffff:0:a9fe:a9fe', 'link-local'],
    ['IPv4-mapped private, hex', '::ffff:a00:1', 'private'],
    ['IPv4-mapped Azure wire server', '::ffff:168.63.129.16', 'platform'],
    ['site-local', 'fec0::1', 'private'],
    ['site-local, upper end', 'feff:ffff::1', 'private'],
    ['discard', '100::1', 'reserved'],
    ['discard, last of its /64', '100::ffff:ffff:ffff:ffff', 'reserved'],
  ])('%s (%s) is %s', (_label, address, kind) => {
    expect(addressKind(address)).toBe(kind);
  });

  it.each([
    ['6to4 of a public address', sixToFour('8.8.8.8')],
    ['Teredo of public addresses', teredo('65.54.227.120', '8.8.4.4')],
    ['IPv4-mapped public', '::ffff:8.8.8.8'],
    ['a global unicast address', '2606:4700:4700::1111'],
    ['just past the discard /64', '100:0:0:1::1'],
  ])('%s (%s) is public', (_label, address) => {
    expect(addressKind(address)).toBeUndefined();
  });

  it('the Azure policy refuses them as a call target, in words', async () => {
    await expect(checkedAddress(`[${sixToFour('169.254.169.254')}]`, AZURE_POLICY)).rejects.toThrow(
      OutboundRefusal,
    );
    await expect(checkedAddress('::ffff:0:10.0.0.5', AZURE_POLICY)).rejects.toThrow(/private network/);
  });

  it('any IPv4 address gets the same verdict in every form that embeds it', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        const expected = addressKind(v4);
        const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
        const hi = ((a << 8) | b).toString(16);
        const lo = ((c << 8) | d).toString(16);
        for (const form of [`::ffff:${v4}`, `::ffff:${hi}:${lo}`, `::ffff:0:${v4}`, sixToFour(v4)]) {
          expect([form, addressKind(form)]).toEqual([form, expected]);
        }
        // Teredo: a public server and this client.
        expect(addressKind(teredo('65.54.227.120', v4))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
