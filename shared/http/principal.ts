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
