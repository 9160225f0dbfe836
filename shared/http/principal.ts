import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { Caller, ROLES, Role } from '../domain/identity';

export const PRINCIPAL_HEADER = 'x-ms-client-principal';

/** Big enough for any real token's claims; a bigger header is not something App Service sends. */
const MAX_HEADER_CHARS = 32 * 1024;
const ROLE_CLAIM_URI = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

/** The App Service Authentication principal (design.md, "Identity and roles"). */
const principalSchema = z.object({
  auth_typ: z.string().optional(),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
  claims: z.array(z.object({ typ: z.string(), val: z.string() })),
});

function unauthenticated(message: string): DomainError {
  return new DomainError('unauthenticated', message);
}

function decode(header: string): unknown {
  if (header.length > MAX_HEADER_CHARS || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(header)) {
    throw unauthenticated(`The ${PRINCIPAL_HEADER} header is not base64.`);
  }
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    throw unauthenticated(`The ${PRINCIPAL_HEADER} header does not decode to JSON.`);
  }
}

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request that changes state came from somewhere other than this app's own pages. A
 * browser says so itself: `Sec-Fetch-Site` (every current browser), else `Origin` (sent on every
 * cross-origin POST) against the address the request was made to. A request with neither is not
 * from a browser's page (curl, scripts, BcContainerHelper), and carries no ambient credential.
 */
function crossSiteOrigin(request: HttpRequest): string | undefined {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
  const site = request.headers.get('sec-fetch-site')?.trim().toLowerCase();
  const origin = request.headers.get('origin')?.trim();
  if (site) return site === 'same-origin' || site === 'none' ? undefined : (origin ?? site);
  if (!origin) return undefined;
  const own = new URL(request.url);
  const forwarded = request.headers.get('x-forwarded-host');
  const allowed = [own.origin, ...(forwarded ? [`${own.protocol}//${forwarded}`] : [])];
  return allowed.includes(origin.toLowerCase()) ? undefined : origin;
}

/**
 * Who is calling, from `x-ms-client-principal`. App Service Authentication sets the header and
 * strips any forged one in Azure; in local mode the header is trusted as sent, and with neither
 * the configuration is invalid (shared/config.ts identitySource), so every route answers 503
 * before it acts. Missing or undecodable: 401.
 *
 * A request that changes state must come from this app's own origin or from no browser at all:
 * in Azure a browser's session cookie is sent along with any site's form POST, and routes without
 * a body (go-live, resolve, promote...) would otherwise rest on the cookie's SameSite alone.
 * Another origin: 403.
 */
export function callerOf(request: HttpRequest): Caller {
  const foreign = crossSiteOrigin(request);
  if (foreign !== undefined) {
    throw new DomainError(
      'forbidden',
      `Requests that change something are accepted from this app's own pages only, not from '${foreign.slice(0, 200)}'.`,
    );
  }
  const header = request.headers.get(PRINCIPAL_HEADER)?.trim();
  if (!header) throw unauthenticated(`Sign in: the ${PRINCIPAL_HEADER} header is missing.`);
  const parsed = principalSchema.safeParse(decode(header));
  if (!parsed.success) throw unauthenticated(`The ${PRINCIPAL_HEADER} header is not a client principal.`);
  const { claims, name_typ: nameType = 'name', role_typ: roleType = 'roles' } = parsed.data;
  const valuesOf = (...types: string[]) => claims.filter((c) => types.includes(c.typ)).map((c) => c.val);
  const roles = [...new Set(valuesOf(roleType, 'roles', ROLE_CLAIM_URI).filter(isRole))];
  const publisherId = valuesOf('publisher_id')[0];
  const name = valuesOf(nameType, 'name')[0] ?? publisherId ?? '(unnamed)';
  return { name, roles, ...(publisherId ? { publisherId } : {}) };
}

/**
 * Claims of a local bearer token: those of x-ms-client-principal, plus what Entra tokens carry.
 * `exp` is required: a token that never expires is refused, as Entra issues none.
 */
const localTokenSchema = z.object({
  name: z.string().max(256).optional(),
  roles: z.union([z.string().max(256), z.array(z.string().max(256)).max(20)]).optional(),
  publisher_id: z.string().max(256).optional(),
  exp: z.number(),
  appid: z.string().max(256).optional(),
  azp: z.string().max(256).optional(),
  tid: z.string().max(256).optional(),
  iat: z.number().optional(),
  scp: z.string().max(1024).optional(),
  idtyp: z.string().max(64).optional(),
  oid: z.string().max(256).optional(),
  sub: z.string().max(256).optional(),
});
export type LocalTokenClaims = z.infer<typeof localTokenSchema>;

const base64url = (text: string) => Buffer.from(text).toString('base64url');

/**
 * An unsigned JWT (alg "none") carrying these claims: what the local token route issues. It is
 * accepted only in local mode, where the identity header is trusted as sent anyway.
 */
export function localToken(claims: LocalTokenClaims): string {
  return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}.`;
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerTokenOf(request: HttpRequest): string | undefined {
  const header = request.headers.get('authorization')?.trim();
  const match = header && /^Bearer\s+(\S+)$/i.exec(header);
  return match ? match[1] : undefined;
}

function localTokenClaims(token: string): LocalTokenClaims | undefined {
  const payload = token.length <= MAX_HEADER_CHARS ? token.split('.')[1] : undefined;
  let claims: unknown;
  try {
    claims = payload && JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    claims = undefined;
  }
  const parsed = localTokenSchema.safeParse(claims);
  return parsed.success ? parsed.data : undefined;
}

/** The caller a local bearer token names; an expired, unexpiring or malformed token is 401. */
export function callerOfLocalToken(token: string, nowMs: number): Caller {
  const claims = localTokenClaims(token);
  if (!claims)
    throw unauthenticated('The bearer token is not a JWT this app accepts (it needs the claim exp).');
  const { name, roles, publisher_id: publisherId, exp, appid, azp } = claims;
  if (exp * 1000 <= nowMs) throw unauthenticated('The bearer token has expired.');
  const listed = typeof roles === 'string' ? [roles] : (roles ?? []);
  return {
    name: name ?? appid ?? azp ?? publisherId ?? '(unnamed)',
    roles: [...new Set(listed.filter(isRole))],
    ...(publisherId ? { publisherId } : {}),
  };
}

/** The claims that tell an application's own token from a user's (short names, as in a JWT). */
interface TokenKind {
  idtyp?: string;
  scp?: string;
  oid?: string;
  sub?: string;
}

/**
 * An app-only token (client credentials): `idtyp` is `app` (Entra's optional claim), or, without
 * it, the token has no delegated scopes (`scp`) and its subject is the application's own object
 * (`oid` = `sub`). A user's delegated token carries `scp` and the user's `oid`: it is never an
 * application, whatever client it signed in through.
 */
export function isAppOnly(claims: TokenKind): boolean {
  if (claims.scp?.trim()) return false;
  if (claims.idtyp !== undefined) return claims.idtyp === 'app';
  return Boolean(claims.oid) && claims.oid === claims.sub;
}

/** The client id (`appid`, else `azp`) of an app-only local bearer token callerOfLocalToken accepted. */
export function appClientIdOfLocalToken(token: string): string | undefined {
  const claims = localTokenClaims(token);
  return claims && isAppOnly(claims) ? (claims.appid ?? claims.azp) : undefined;
}

/** Easy Auth names some claims by their long URIs (the .NET claim types); both forms are read. */
const CLAIM_NAMES: Record<keyof TokenKind | 'client', string[]> = {
  idtyp: ['idtyp'],
  scp: ['scp', 'http://schemas.microsoft.com/identity/claims/scope'],
  oid: ['oid', 'http://schemas.microsoft.com/identity/claims/objectidentifier'],
  sub: ['sub', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier'],
  client: ['appid', 'azp'],
};

/**
 * The Entra client id of an application caller (client credentials), from the principal App
 * Service Authentication set: `appid` (v1 tokens) or `azp` (v2), for an app-only token only.
 */
export function appClientIdOf(request: HttpRequest): string | undefined {
  const header = request.headers.get(PRINCIPAL_HEADER)?.trim();
  if (!header) return undefined;
  const parsed = principalSchema.safeParse(decode(header));
  if (!parsed.success) return undefined;
  const claim = (kind: keyof typeof CLAIM_NAMES) =>
    parsed.data.claims.find((c) => CLAIM_NAMES[kind].includes(c.typ))?.val;
  const kind: TokenKind = { idtyp: claim('idtyp'), scp: claim('scp'), oid: claim('oid'), sub: claim('sub') };
  return isAppOnly(kind) ? claim('client') : undefined;
}
