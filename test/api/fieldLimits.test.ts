/**
 * Issue 15, "Limits on every field": every string field of every request schema has a maximum
 * that the OpenAPI document publishes, and a longer value is a 400 naming the field, never a 500
 * from a table row that cannot hold it.
 */
import { makeGetOffer } from '../../functions/getOffer';
import { makeGetOpenApi } from '../../functions/getOpenApi';
import { makePutOffer } from '../../functions/putOffer';
import { call, fullDraft, request, testServices, uniqueOfferId } from './support';

// Bodies up to 2 MiB, so a 1,000,000-character field reaches the schema instead of the 413.
const services = testServices({ MAX_JSON_BODY_BYTES: String(2 * 1024 * 1024) });
const MEGA = 1_000_000;
const longUrl = `https://contoso.example/${'a'.repeat(MEGA)}`;
const longText = 'x'.repeat(MEGA);

function put(offerId: string, body: unknown) {
  return call(
    makePutOffer(services),
    request('PUT', `offers/${offerId}`, { as: 'ann', params: { offerId }, body }),
  );
}

/** Each string field of the offer draft, set to a million characters. */
const LONG_FIELDS: [string, (draft: Record<string, unknown>) => void][] = [
  ['name', (d) => (d.name = longText)],
  ['summary', (d) => (d.summary = longText)],
  ['description', (d) => (d.description = longText)],
  ['categories[0]', (d) => (d.categories = [longText])],
  ['supportUrl', (d) => (d.supportUrl = longUrl)],
  ['privacyPolicyUrl', (d) => (d.privacyPolicyUrl = longUrl)],
  ['eulaUrl', (d) => (d.eulaUrl = longUrl)],
  ['app.name', (d) => (d.app = { name: longText })],
  ['app.publisher', (d) => (d.app = { publisher: longText })],
  ['storefront.logo', (d) => (d.storefront = { logo: longText })],
  ['storefront.screenshots[0]', (d) => (d.storefront = { screenshots: [longText] })],
  ['testDrive.instanceUrl', (d) => (d.testDrive = { enabled: true, instanceUrl: longUrl })],
  ['testDrive.userManualUrl', (d) => (d.testDrive = { enabled: true, userManualUrl: longUrl })],
  [
    'leadDestination.connectionString',
    (d) => (d.leadDestination = { type: 'azureTable', connectionString: longText }),
  ],
  ['leadDestination.url', (d) => (d.leadDestination = { type: 'https', url: longUrl })],
  [
    'leadDestination.secret',
    (d) => (d.leadDestination = { type: 'https', url: 'https://crm.example/leads', secret: longText }),
  ],
];

describe('field limits', () => {
  it('answers a 1 MB supportUrl with 400 naming the field, and stores nothing', async () => {
    const offerId = uniqueOfferId('limits');
    const res = await put(offerId, { ...fullDraft(), supportUrl: longUrl });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toContainEqual({
      path: 'supportUrl',
      message: expect.stringContaining('2048'),
    });
    const read = await call(
      makeGetOffer(services),
      request('GET', `offers/${offerId}`, { as: 'ann', params: { offerId } }),
    );
    expect(read.status).toBe(404);
  });

  it.each(LONG_FIELDS)('refuses a 1,000,000-character %s with a details entry', async (path, set) => {
    const draft = fullDraft();
    set(draft);
    const res = await put(uniqueOfferId('limits'), draft);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('quotes neither a huge unknown key nor thousands of them back in the details', async () => {
    const body: Record<string, unknown> = { name: 'Contoso' };
    body['k'.repeat(100_000)] = 1;
    for (let i = 0; i < 5000; i++) body[`unknown${i}`] = i;
    const res = await put(uniqueOfferId('limits'), body);
    expect(res.status).toBe(400);
    const details = res.body.error.details as { path: string; message: string }[];
    expect(details.length).toBeLessThanOrEqual(101);
    for (const d of details) expect(d.path.length + d.message.length).toBeLessThanOrEqual(600);
  });

  it('publishes a maximum for every string and array of every request body', async () => {
    const res = await call(makeGetOpenApi(services), request('GET', 'openapi.json'));
    const unbounded: string[] = [];
    const walk = (schema: Record<string, unknown> | undefined, at: string) => {
      if (!schema || typeof schema !== 'object') return;
      const bounded = schema.enum !== undefined || schema.const !== undefined;
      if (schema.type === 'string' && schema.maxLength === undefined && !bounded) unbounded.push(at);
      if (schema.type === 'array' && schema.maxItems === undefined) unbounded.push(at);
      for (const [key, value] of Object.entries((schema.properties ?? {}) as Record<string, never>))
        walk(value, `${at}.${key}`);
      walk(schema.items as Record<string, unknown>, `${at}[]`);
      for (const k of ['anyOf', 'oneOf', 'allOf'] as const)
        for (const [i, s] of ((schema[k] ?? []) as Record<string, unknown>[]).entries())
          walk(s, `${at}|${i}`);
    };
    const paths = res.body.paths as Record<string, Record<string, Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    let bodies = 0;
    for (const [path, ops] of Object.entries(paths))
      for (const [method, op] of Object.entries(ops)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (schema) bodies++;
        walk(schema, `${method.toUpperCase()} ${path}`);
        for (const p of op.parameters ?? []) walk(p.schema, `${method.toUpperCase()} ${path} ${p.name}`);
      }
    expect(bodies).toBeGreaterThanOrEqual(3);
    expect(unbounded).toEqual([]);
  });
});
