/**
 * Who a caller is, by the handlers' own code on the tests' Azurite.
 * - Issue 28 item 4: a delivery client acts for the publisher an Admin mapped it to only with its
 *   own (app-only) token; a user's delegated token is never mapped, whatever client it came
 *   through; an unmapped client acts for nobody. Easy Auth principals and local tokens alike.
 * - Issue 28 item 11: local mode (unsigned local tokens, token minting, the picker) is on only
 *   where the local host turns it on; local tokens without `exp` are refused.
 */
import { randomUUID } from 'node:crypto';
import { makeIssueLocalToken } from '../../functions/issueLocalToken';
import { makeListOffers } from '../../functions/listOffers';
import { servePortal } from '../../functions/portal';
import { localMode } from '../../shared/config';
import { DomainError } from '../../shared/domain/errors';
import type { Caller } from '../../shared/domain/identity';
import { ingestionCaller } from '../../shared/http/ingestion';
import { localToken, LocalTokenClaims } from '../../shared/http/principal';
import { getServices, Services } from '../../shared/services';
import { PEOPLE } from '../support/principals';
import { answer, context, request, testServices } from './support';

const local = testServices();
/** The app outside the local host, behind App Service Authentication (not in Azure by host name). */
const easyAuth = testServices({ LOCAL_MODE: '', APP_SERVICE_AUTH_ENABLED: 'true' });

const MAPPED = randomUUID();
const UNMAPPED = randomUUID();
const USER_OID = randomUUID();
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

beforeAll(async () => {
  await local.ingestion.setPublisherOfClient(MAPPED, 'contoso');
});

function principal(claims: [string, string][]): string {
  const body = { auth_typ: 'aad', claims: claims.map(([typ, val]) => ({ typ, val })) };
  return Buffer.from(JSON.stringify(body)).toString('base64');
}

async function callerWith(services: Services, headers: Record<string, string>): Promise<Caller> {
  return ingestionCaller(request('GET', 'v1.0/ingestion/products/x', { headers }), services);
}

const bearer = (claims: Partial<LocalTokenClaims>) => ({
  authorization: `Bearer ${localToken({ exp: inAnHour(), ...claims })}`,
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'accepted';
  } catch (error) {
    return error instanceof DomainError ? `${error.code}: ${error.message}` : String(error);
  }
}

describe('delivery clients act for a publisher with app-only tokens only (issue 28 item 4)', () => {
  const LONG_OID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
  const LONG_SUB = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier';
  const LONG_SCP = 'http://schemas.microsoft.com/identity/claims/scope';
  const appObject = randomUUID();

  it.each<[string, [string, string][], string | undefined]>([
    [
      'app-only by idtyp',
      [
        ['appid', MAPPED],
        ['idtyp', 'app'],
      ],
      'contoso',
    ],
    [
      'app-only by oid = sub (v2: azp)',
      [
        ['azp', MAPPED],
        ['oid', appObject],
        ['sub', appObject],
      ],
      'contoso',
    ],
    [
      'app-only, Easy Auth long claim names',
      [
        ['appid', MAPPED],
        [LONG_OID, appObject],
        [LONG_SUB, appObject],
      ],
      'contoso',
    ],
    [
      'a user signed in through the mapped client',
      [
        ['appid', MAPPED],
        ['scp', 'user_impersonation'],
        ['oid', USER_OID],
        ['sub', 'pairwise'],
      ],
      undefined,
    ],
    [
      'a user, Easy Auth long claim names',
      [
        ['azp', MAPPED],
        [LONG_SCP, 'access'],
        [LONG_OID, USER_OID],
        [LONG_SUB, 'x'],
      ],
      undefined,
    ],
    [
      'a user token that says so (idtyp user)',
      [
        ['appid', MAPPED],
        ['idtyp', 'user'],
        ['oid', appObject],
        ['sub', appObject],
      ],
      undefined,
    ],
    ['no token kind at all', [['appid', MAPPED]], undefined],
    [
      'an app-only token of a client nobody mapped',
      [
        ['appid', UNMAPPED],
        ['idtyp', 'app'],
      ],
      undefined,
    ],
  ])('Easy Auth principal: %s', async (_label, claims, publisherId) => {
    const caller = await callerWith(easyAuth, { 'x-ms-client-principal': principal(claims) });
    expect(caller.publisherId).toBe(publisherId);
    expect(caller.roles.includes('Publisher')).toBe(publisherId !== undefined);
  });

  it.each<[string, Partial<LocalTokenClaims>, string | undefined]>([
    ['app-only by idtyp', { appid: MAPPED, idtyp: 'app' }, 'contoso'],
    ['app-only by oid = sub', { azp: MAPPED, oid: appObject, sub: appObject }, 'contoso'],
    [
      'a user signed in through the mapped client',
      { appid: MAPPED, scp: 'user_impersonation', oid: USER_OID, sub: 'x' },
      undefined,
    ],
    ['no token kind at all', { appid: MAPPED }, undefined],
    ['an app-only token of a client nobody mapped', { appid: UNMAPPED, idtyp: 'app' }, undefined],
  ])('local bearer token: %s', async (_label, claims, publisherId) => {
    const caller = await callerWith(local, bearer(claims));
    expect(caller.publisherId).toBe(publisherId);
  });
});

describe('ingestion routes from another site (issue 28 item 12)', () => {
  it('refuses a cross-site promote carrying an Easy Auth session, serves the script without Origin', async () => {
    const app = principal([
      ['appid', MAPPED],
      ['idtyp', 'app'],
    ]);
    const promote = (headers: Record<string, string>) =>
      ingestionCaller(
        request('POST', 'v1.0/ingestion/products/x/submissions/1/promote', {
          headers: { 'x-ms-client-principal': app, ...headers },
        }),
        easyAuth,
      );
    expect(
      await refusal(promote({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })),
    ).toMatch(/^forbidden: .*evil\.example/);
    expect(await refusal(promote({ origin: 'https://evil.example' }))).toMatch(/^forbidden: /);
    expect((await promote({})).publisherId).toBe('contoso');
    expect((await promote({ 'sec-fetch-site': 'same-origin' })).publisherId).toBe('contoso');
  });
});

describe("local mode is the local host's to turn on (issue 28 item 11)", () => {
  it('is on in the services the tests build as the local host does, off behind App Service Authentication', () => {
    expect([localMode(local.settings), localMode(easyAuth.settings)]).toEqual([true, false]);
  });

  it('accepts unsigned local tokens in local mode only', async () => {
    const headers = bearer({ name: 'ann', roles: 'Publisher', publisher_id: 'contoso' });
    expect((await callerWith(local, headers)).publisherId).toBe('contoso');
    expect(await refusal(callerWith(easyAuth, headers))).toMatch(/^unauthenticated: /);
  });

  it('refuses a local token without exp, and an expired one', async () => {
    const noExp = localToken({
      name: 'ann',
      roles: 'Publisher',
      publisher_id: 'contoso',
    } as LocalTokenClaims);
    expect(await refusal(callerWith(local, { authorization: `Bearer ${noExp}` }))).toMatch(
      /^unauthenticated: .*exp/,
    );
    const expired = bearer({ publisher_id: 'contoso', exp: Math.floor(Date.now() / 1000) - 5 });
    expect(await refusal(callerWith(local, expired))).toBe('unauthenticated: The bearer token has expired.');
  });

  it('mints tokens in local mode only', async () => {
    const form = 'grant_type=client_credentials&client_id=contoso&client_secret=x';
    const mint = async (services: Services) =>
      answer(
        await makeIssueLocalToken(services)(
          request('POST', 'oauth2/v2.0/token', {
            body: form,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
          context().context,
        ),
      );
    const minted = await mint(local);
    expect(minted.status).toBe(200);
    const claims = JSON.parse(Buffer.from(minted.body.access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ appid: 'contoso', idtyp: 'app', exp: expect.any(Number) });
    expect(claims.scp).toBeUndefined();
    expect((await mint(easyAuth)).status).toBe(404);
  });

  it('shows the "Sign in as" picker only in local mode', async () => {
    const page = async (isAzure: boolean) =>
      String(
        (await servePortal({ isAzure: () => isAzure })(request('GET', 'portal'), context().context)).body,
      );
    // functions/portal.ts passes isAzure = !localMode(settings).
    expect(await page(!localMode(local.settings))).toContain('data-mode="local"');
    expect(await page(!localMode(easyAuth.settings))).toContain('data-mode="azure"');
  });
});

describe('outside the local host and App Service Authentication (issue 28 item 11)', () => {
  // The app as a container would run it: storage set, nothing that vouches for the identity.
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.AzureWebJobsStorage = process.env.TEST_STORAGE_CONNECTION;
    delete process.env.LOCAL_MODE;
    delete process.env.WEBSITE_HOSTNAME;
    delete process.env.APP_SERVICE_AUTH_ENABLED;
    delete process.env.WEBSITE_AUTH_ENABLED;
  });
  afterAll(() => {
    process.env = saved;
  });

  it('answers the API 503 naming LOCAL_MODE, trusting no header and minting no token', async () => {
    const listed = answer(
      await makeListOffers(getServices())(
        request('GET', 'offers', { headers: { 'x-ms-client-principal': PEOPLE.ann } }),
        context().context,
      ),
    );
    expect([listed.status, listed.body.error.code, listed.body.error.details]).toEqual([
      503,
      'unavailable',
      [{ path: 'LOCAL_MODE', message: expect.any(String) }],
    ]);
    const minted = answer(
      await makeIssueLocalToken(getServices())(
        request('POST', 'oauth2/v2.0/token', {
          body: 'grant_type=client_credentials&client_id=contoso',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        context().context,
      ),
    );
    expect([minted.status, minted.body.error_description]).toEqual([
      503,
      'The app is not configured: LOCAL_MODE.',
    ]);
  });
});
