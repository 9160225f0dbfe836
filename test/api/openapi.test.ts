import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeGetOpenApi } from '../../functions/getOpenApi';
import { LIST_TOP_DEFAULT, LIST_TOP_MAX } from '../../shared/contracts/api';
import { call, request, testServices } from './support';

const FUNCTIONS_DIR = path.join(__dirname, '../../functions');

/**
 * Every HTTP route the app registers, read from the registration calls in functions/*.ts
 * (one registered function per file): "METHOD /route".
 */
function registeredRoutes(): string[] {
  return readdirSync(FUNCTIONS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => {
      const source = readFileSync(path.join(FUNCTIONS_DIR, file), 'utf8');
      const route = /\broute:\s*'([^']*)'/.exec(source)?.[1];
      if (route === undefined) return [];
      const methods = /\bmethods:\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '';
      const names = [...methods.matchAll(/'(\w+)'/g)].map((m) => m[1]);
      expect([file, names.length > 0]).toEqual([file, true]);
      return names.map((method) => `${method} /${route}`);
    });
}

async function openApi() {
  const res = await call(makeGetOpenApi(testServices()), request('GET', 'openapi.json'));
  expect(res.status).toBe(200);
  return res.body;
}

function operationsOf(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths).flatMap(([route, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${route}`),
  );
}

describe('GET /api/openapi.json', () => {
  it('describes every route of api.md with schemas generated from zod', async () => {
    const res = await call(makeGetOpenApi(testServices()), request('GET', 'openapi.json'));
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const operations = Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /offers',
        'PUT /offers/{offerId}',
        'GET /offers/{offerId}',
        'PUT /offers/{offerId}/package',
        'GET /offers/{offerId}/package-validation',
        'PUT /offers/{offerId}/artifacts/{name}',
        'POST /offers/{offerId}/publish',
        'POST /offers/{offerId}/publish-date',
        'GET /offers/{offerId}/status',
        'POST /offers/{offerId}/go-live',
        'POST /offers/{offerId}/cancel',
        'POST /offers/{offerId}/reviews/{area}',
        'GET /offers/{offerId}/preview',
        'GET /offers/{offerId}/preview/package',
        'GET /offers/{offerId}/submissions',
        'GET /offers/{offerId}/history',
        'GET /offers/{offerId}/notifications',
        'POST /offers/{offerId}/package/upload-url',
        'POST /offers/{offerId}/check',
        'GET /offers/{offerId}/questions',
        'POST /offers/{offerId}/questions',
        'POST /offers/{offerId}/questions/{questionId}/answers',
        'POST /offers/{offerId}/questions/{questionId}/resolve',
        'GET /health',
        'GET /openapi.json',
        'GET /portal',
        'GET /portal/assets/{name}',
        'GET /sample-package',
        ...[
          'GET ',
          'GET /setup',
          'GET /branches/{selector}',
          'GET /packageConfigurations/{selector}',
          'PUT /packageConfigurations/{selector}',
          'POST /packages',
          'GET /packages/{packageId}',
          'PUT /packages/{packageId}',
          'GET /properties/{selector}',
          'PUT /properties/{selector}',
          'GET /submissions',
          'POST /submissions',
          'GET /submissions/{submissionId}',
          'DELETE /submissions/{submissionId}',
          'GET /submissions/{submissionId}/workflowdetails',
          'POST /submissions/{submissionId}/promote',
          'GET /submissions/{submissionId}/validations',
        ].map((o) => o.replace(' ', ' /v1.0/ingestion/products/{productId}')),
        'POST /oauth2/v2.0/token',
        'PUT /admin/publisher-clients/{clientId}',
        'POST /webhooks',
        'GET /webhooks',
        'GET /webhooks/{webhookId}',
        'PATCH /webhooks/{webhookId}',
        'DELETE /webhooks/{webhookId}',
        'POST /webhooks/{webhookId}/rotate-secret',
        'POST /webhooks/{webhookId}/ping',
        'GET /webhooks/{webhookId}/deliveries',
        'POST /webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
      ].sort(),
    );
    const put = res.body.paths['/offers/{offerId}'].put;
    const offerSchema = put.requestBody.content['application/json'].schema;
    expect(offerSchema.additionalProperties).toBe(false);
    expect(offerSchema.properties.app.properties.version.pattern).toBeDefined();
    const review = res.body.paths['/offers/{offerId}/reviews/{area}'].post;
    expect(review.parameters).toContainEqual(
      expect.objectContaining({ name: 'area', schema: { type: 'string', enum: ['marketing', 'technical'] } }),
    );
    expect(review.responses['409']).toEqual({ $ref: '#/components/responses/E409' });
  });

  it('lists every registered route, and nothing that is not registered', async () => {
    const registered = registeredRoutes();
    // The scan must see the routes this test knows of, or it proves nothing.
    expect(registered).toEqual(
      expect.arrayContaining(['GET /offers', 'POST /offers/{offerId}/package/upload-url', 'GET /health']),
    );
    expect(operationsOf(await openApi()).sort()).toEqual(registered.sort());
  });

  it('documents the paging and filter parameters of GET /offers with their limits', async () => {
    const list = (await openApi()).paths['/offers'].get;
    const param = (name: string) => list.parameters.find((p: { name: string }) => p.name === name);
    expect(param('state')).toMatchObject({
      in: 'query',
      required: false,
      schema: { enum: expect.any(Array) },
    });
    expect(param('state').schema.enum).toContain('WaitingForReview');
    expect(param('top')).toMatchObject({
      in: 'query',
      schema: { type: 'integer', minimum: 1, maximum: LIST_TOP_MAX, default: LIST_TOP_DEFAULT },
    });
    expect(param('continuation')).toMatchObject({
      in: 'query',
      schema: { type: 'string', minLength: 1, maxLength: 2048 },
    });
  });

  it('documents the upload URL request and its 201 answer, and the health route', async () => {
    const doc = await openApi();
    const upload = doc.paths['/offers/{offerId}/package/upload-url'].post;
    const body = upload.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['fileName', 'size']),
      properties: { fileName: { type: 'string' }, size: { type: 'integer', minimum: 1 } },
    });
    const created = upload.responses['201'].content['application/json'].schema;
    expect(created.required).toEqual(
      expect.arrayContaining(['uploadUrl', 'blobName', 'expiresAt', 'headers']),
    );
    expect(upload.responses['413']).toEqual({ $ref: '#/components/responses/E413' });
    const health = doc.paths['/health'].get;
    expect(health.security).toEqual([]);
    expect(Object.keys(health.responses).sort()).toEqual(['200', '503']);
  });
});
