import type { Role } from '../../shared/domain/identity';

/** The `x-ms-client-principal` header App Service Authentication would send for this person. */
export function principalHeader(name: string, roles: Role[], publisherId?: string): string {
  const claims = [
    { typ: 'name', val: name },
    ...roles.map((val) => ({ typ: 'roles', val })),
    ...(publisherId ? [{ typ: 'publisher_id', val: publisherId }] : []),
  ];
  const principal = { auth_typ: 'aad', name_typ: 'name', role_typ: 'roles', claims };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}

/** The cast of the tests, the demo and the benchmarks. */
export const PEOPLE = {
  ann: principalHeader('ann@contoso.com', ['Publisher'], 'contoso'),
  bob: principalHeader('bob@fabrikam.com', ['Publisher'], 'fabrikam'),
  mia: principalHeader('mia@marketplace.example', ['MarketingReviewer']),
  tom: principalHeader('tom@marketplace.example', ['TechnicalReviewer']),
  root: principalHeader('root@marketplace.example', ['Admin']),
} as const;

export const asPerson = (person: keyof typeof PEOPLE) => ({ 'x-ms-client-principal': PEOPLE[person] });
