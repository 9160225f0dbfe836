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

/**
 * Who is calling, from `x-ms-client-principal`. App Service Authentication sets the header and
 * strips any forged one in Azure (config refuses to start there unless it is enabled); locally
 * the header is trusted as sent. Missing or undecodable: 401.
 */
export function callerOf(request: HttpRequest): Caller {
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

/** Claims of a local bearer token: those of x-ms-client-principal, plus what Entra tokens carry. */
const localTokenSchema = z.object({
  name: z.string().max(256).optional(),
  roles: z.union([z.string().max(256), z.array(z.string().max(256)).max(20)]).optional(),
  publisher_id: z.string().max(256).optional(),
  exp: z.number().optional(),
  appid: z.string().max(256).optional(),
  azp: z.string().max(256).optional(),
  tid: z.string().max(256).optional(),
  iat: z.number().optional(),
  scp: z.string().max(1024).optional(),
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

/** The caller a local bearer token names; an expired or malformed token is 401. */
export function callerOfLocalToken(token: string, nowMs: number): Caller {
  const payload = token.length <= MAX_HEADER_CHARS ? token.split('.')[1] : undefined;
  let claims: unknown;
  try {
    claims = payload && JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    claims = undefined;
  }
  const parsed = localTokenSchema.safeParse(claims);
  if (!parsed.success) throw unauthenticated('The bearer token is not a JWT this app accepts.');
  const { name, roles, publisher_id: publisherId, exp, appid, azp } = parsed.data;
  if (exp !== undefined && exp * 1000 <= nowMs) throw unauthenticated('The bearer token has expired.');
  const listed = typeof roles === 'string' ? [roles] : (roles ?? []);
  return {
    name: name ?? appid ?? azp ?? publisherId ?? '(unnamed)',
    roles: [...new Set(listed.filter(isRole))],
    ...(publisherId ? { publisherId } : {}),
  };
}

/** The client id (`appid`, else `azp`) of a local bearer token callerOfLocalToken accepted. */
export function clientIdOfLocalToken(token: string): string | undefined {
  const payload = token.split('.')[1] ?? '';
  const parsed = localTokenSchema.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  return parsed.success ? (parsed.data.appid ?? parsed.data.azp) : undefined;
}

/**
 * The Entra client id of an application caller (client credentials), from the principal App
 * Service Authentication set: `appid` (v1 tokens) or `azp` (v2).
 */
export function clientIdOf(request: HttpRequest): string | undefined {
  const header = request.headers.get(PRINCIPAL_HEADER)?.trim();
  if (!header) return undefined;
  const parsed = principalSchema.safeParse(decode(header));
  if (!parsed.success) return undefined;
  return parsed.data.claims.find((c) => c.typ === 'appid' || c.typ === 'azp')?.val;
}
