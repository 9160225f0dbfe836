/**
 * Fail at start, not per request: in Azure mode a missing or contradictory setting is reported
 * once when the app starts, naming the setting, and GET /api/health answers 503 with the reason.
 */
import { checkSettings, loadConfig } from '../../shared/config';
import { healthResponse } from '../../functions/getHealth';
import { RunningHost, startHost } from '../support/host';
import { PEOPLE } from '../support/principals';
import { ConfigError } from '../../shared/config';
import { errorResponse } from '../../shared/http/errors';

/** What infra/app/api.bicep and the platform give a deployed app. */
const AZURE = {
  WEBSITE_HOSTNAME: 'func-api-abc.azurewebsites.net',
  WEBSITE_AUTH_ENABLED: 'True',
  APP_SERVICE_AUTH_ENABLED: 'true',
  AzureWebJobsStorage__blobServiceUri: 'https://stabc.blob.core.windows.net/',
  AzureWebJobsStorage__tableServiceUri: 'https://stabc.table.core.windows.net/',
  AzureWebJobsStorage__queueServiceUri: 'https://stabc.queue.core.windows.net/',
  AzureWebJobsStorage__credential: 'managedidentity',
  AzureWebJobsStorage__clientId: '11111111-2222-3333-4444-555555555555',
  AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  PUBLIC_BASE_URL: 'https://func-api-abc.azurewebsites.net',
};

const namesIn = (problems: string[]) => problems.map((p) => p.split(':')[0]);

describe('settings in Azure mode', () => {
  it('accept what the Bicep and the platform set', () => {
    expect(checkSettings(AZURE)).toEqual({ healthy: true, problems: [] });
  });

  it('name each missing or contradictory setting', () => {
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ WEBSITE_AUTH_ENABLED: undefined, APP_SERVICE_AUTH_ENABLED: undefined }, 'APP_SERVICE_AUTH_ENABLED'],
      [{ WEBSITE_AUTH_ENABLED: 'false' }, 'WEBSITE_AUTH_ENABLED'],
      [
        { AzureWebJobsStorage__clientId: undefined, AZURE_CLIENT_ID: undefined },
        'AzureWebJobsStorage__clientId',
      ],
      [{ AZURE_CLIENT_ID: '99999999-2222-3333-4444-555555555555' }, 'AZURE_CLIENT_ID'],
      [{ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=x' }, 'AzureWebJobsStorage'],
      [{ PUBLIC_BASE_URL: 'http://func-api-abc.azurewebsites.net' }, 'PUBLIC_BASE_URL'],
    ];
    for (const [change, name] of cases) {
      const check = checkSettings({ ...AZURE, ...change });
      expect([change, check.healthy, namesIn(check.problems)]).toEqual([change, false, [name]]);
    }
  });

  it("default PUBLIC_BASE_URL to the app's own https address", () => {
    expect(loadConfig({ ...AZURE, PUBLIC_BASE_URL: undefined }).PUBLIC_BASE_URL).toBe(
      'https://func-api-abc.azurewebsites.net',
    );
  });

  it('never quote a value in the health answer', () => {
    const secretish = 'Endpoint=sb://x;SharedAccessKey=c2VjcmV0';
    const check = checkSettings({
      ...AZURE,
      AzureWebJobsStorage: secretish,
      WEBSITE_AUTH_ENABLED: undefined,
      APP_SERVICE_AUTH_ENABLED: undefined,
    });
    const response = healthResponse(check);
    expect(response.status).toBe(503);
    const body = JSON.stringify(response.jsonBody);
    expect(body).not.toContain('c2VjcmV0');
    expect(body).not.toContain('SharedAccessKey');
    expect(response.jsonBody).toMatchObject({
      status: 'unhealthy',
      error: {
        code: 'misconfigured',
        details: expect.arrayContaining([
          expect.objectContaining({ path: 'APP_SERVICE_AUTH_ENABLED' }),
          expect.objectContaining({ path: 'AzureWebJobsStorage' }),
        ]),
      },
    });
  });
});

describe('a configuration error reaching a handler', () => {
  it('is 503 unavailable with the setting names and no values', () => {
    const logged: string[] = [];
    const context = { invocationId: 'x', error: (m: string) => logged.push(m) };
    const res = errorResponse(
      new ConfigError(['WEBSITE_AUTH_ENABLED: must be true in Azure', 'AZURE_CLIENT_ID: differs']),
      context as never,
    );
    expect(res.status).toBe(503);
    expect(res.jsonBody).toEqual({
      error: {
        code: 'unavailable',
        message:
          'The app is not configured correctly (WEBSITE_AUTH_ENABLED, AZURE_CLIENT_ID); see GET /api/health.',
        details: [
          { path: 'WEBSITE_AUTH_ENABLED', message: 'must be true in Azure' },
          { path: 'AZURE_CLIENT_ID', message: 'differs' },
        ],
      },
    });
  });
});

describe('GET /api/health through the local host', () => {
  let misconfigured: RunningHost | undefined;
  let local: RunningHost | undefined;
  afterAll(async () => {
    await misconfigured?.stop();
    await local?.stop();
  });

  it('is 503 naming the setting, reported once at start, in Azure mode without authentication', async () => {
    // A real host name makes the app believe it runs in Azure; App Service Authentication is absent.
    misconfigured = await startHost({
      env: {
        WEBSITE_HOSTNAME: 'func-api-abc.azurewebsites.net',
        PUBLIC_BASE_URL: 'https://func-api-abc.azurewebsites.net',
      },
    });
    const report = /Invalid configuration[^\n]*\n {2}- APP_SERVICE_AUTH_ENABLED: /g;
    expect(misconfigured.output().match(report)).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const res = await misconfigured.request('GET', '/api/health');
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'unhealthy',
        error: { code: 'misconfigured', details: [{ path: 'APP_SERVICE_AUTH_ENABLED' }] },
      });
    }
    expect(misconfigured.output().match(report)).toHaveLength(1);
  });

  it('answers the API routes 503 unavailable naming the setting, never 500, never a value', async () => {
    // The host of the test above: Azure mode without App Service Authentication.
    expect(misconfigured).toBeDefined();
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/offers'],
      ['GET', '/api/offers/contoso-sales/status'],
      ['PUT', '/api/offers/contoso-sales', { name: 'Contoso' }],
      ['POST', '/api/offers/contoso-sales/package/upload-url', { fileName: 'a.app', size: 10 }],
    ];
    for (const [method, path, body] of routes) {
      const res = await misconfigured!.request(method, path, body, { 'x-ms-client-principal': PEOPLE.ann });
      expect([method, path, res.status]).toEqual([method, path, 503]);
      expect(res.json()).toEqual({
        error: {
          code: 'unavailable',
          message: expect.stringContaining('APP_SERVICE_AUTH_ENABLED'),
          details: [{ path: 'APP_SERVICE_AUTH_ENABLED', message: expect.any(String) }],
        },
      });
      expect(res.text).not.toContain('azurewebsites.net');
    }
  });

  it('is 200 locally, with no identity and no key', async () => {
    local = await startHost();
    const res = await local.request('GET', '/api/health');
    expect([res.status, res.json()]).toEqual([200, { status: 'healthy' }]);
    expect(local.output()).not.toMatch(/Invalid configuration/);
  });
});
