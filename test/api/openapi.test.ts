import { makeGetOpenApi } from '../../functions/getOpenApi';
import { call, request, testServices } from './support';

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
        'GET /offers/{offerId}/status',
        'POST /offers/{offerId}/go-live',
        'POST /offers/{offerId}/cancel',
        'POST /offers/{offerId}/reviews/{area}',
        'GET /offers/{offerId}/preview',
        'GET /offers/{offerId}/preview/package',
        'GET /offers/{offerId}/submissions',
        'GET /offers/{offerId}/history',
        'GET /offers/{offerId}/notifications',
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
});
