import { z } from 'zod';
import * as ingestion from '../contracts/ingestion';
import type { Operation } from './openapiOperation';

/**
 * The routes of api.md's "Partner Center ingestion API" section in the OpenAPI document. Their
 * errors have the ingestion API's own shape, so they are listed as `other` answers.
 */
const ingestionError = z.object({
  statusCode: z.int(),
  message: z.string(),
  errors: z.array(z.object({ code: z.string(), message: z.string(), target: z.string().optional() })),
  error: z.string(),
  error_description: z.string(),
});
const resource = z.looseObject({ id: z.string() });
const collection = z.object({ value: z.array(z.looseObject({})) });
const PRODUCT = '/v1.0/ingestion/products/{productId}';

const errorsOf = (...statuses: number[]) =>
  Object.fromEntries(
    [401, 404, 500, ...statuses].map((s) => [
      s,
      { description: 'Ingestion API error', schema: ingestionError },
    ]),
  );

function op(
  method: Operation['method'],
  path: string,
  id: string,
  summary: string,
  ok: z.ZodType,
  extra: Partial<Operation> = {},
  errors: number[] = [],
): Operation {
  return {
    method,
    path: `${PRODUCT}${path}`,
    id: `${id}${method === 'get' ? '' : `.${method}`}`,
    summary,
    identity: true,
    ok: { status: 200, schema: ok },
    errors: [],
    other: errorsOf(...errors),
    ...extra,
  };
}

const json = (schema: z.ZodType) => ({ type: 'application/json', schema });

export const INGESTION_OPERATIONS: Operation[] = [
  op('get', '', 'ingestionProduct', 'The offer as a Partner Center product', resource),
  op('get', '/setup', 'ingestionProductSetup', 'Product setup (packageType AddOn)', resource),
  op('get', '/branches/{selector}', 'ingestionBranches', 'getByModule(module=Package|Property)', collection),
  op(
    'get',
    '/packageConfigurations/{selector}',
    'ingestionPackageConfigurations',
    'getByInstanceID(...)',
    collection,
  ),
  op(
    'put',
    '/packageConfigurations/{selector}',
    'ingestionPackageConfigurations',
    'Selects the packages of the next submission (If-Match)',
    resource,
    { body: json(ingestion.configurationBodySchema) },
    [400, 412],
  ),
  op(
    'post',
    '/packages',
    'ingestionPackages',
    'A package waiting for its file, with fileSasUri',
    resource,
    {
      ok: { status: 201, schema: resource },
      body: json(ingestion.packageCreateSchema),
    },
    [400],
  ),
  op('get', '/packages/{packageId}', 'ingestionPackage', 'A package', resource),
  op(
    'put',
    '/packages/{packageId}',
    'ingestionPackage',
    'state Uploaded: Processed or ProcessFailed (If-Match)',
    resource,
    { body: json(ingestion.packageUpdateSchema) },
    [400, 412],
  ),
  op('get', '/properties/{selector}', 'ingestionProperties', 'getByInstanceID(...): appVersion', collection),
  op(
    'put',
    '/properties/{selector}',
    'ingestionProperties',
    "appVersion sets the offer's app.version (If-Match)",
    resource,
    { body: json(ingestion.propertyBodySchema) },
    [400, 409, 412],
  ),
  op('get', '/submissions', 'ingestionSubmissions', 'Submissions, oldest first', collection),
  op(
    'post',
    '/submissions',
    'ingestionSubmissions',
    'Publish with the configured packages',
    resource,
    { ok: { status: 201, schema: resource }, body: json(ingestion.submissionCreationSchema) },
    [400, 409, 422],
  ),
  op(
    'get',
    '/submissions/{submissionId}',
    'ingestionSubmission',
    'state, substate, pendingUpdateInfo',
    resource,
  ),
  op('delete', '/submissions/{submissionId}', 'ingestionSubmission', 'Cancel', resource, {}, [409]),
  op(
    'get',
    '/submissions/{submissionId}/workflowdetails',
    'ingestionWorkflowDetails',
    'The steps',
    collection,
  ),
  op('post', '/submissions/{submissionId}/promote', 'ingestionPromote', 'Go Live', resource, {}, [409]),
  op(
    'get',
    '/submissions/{submissionId}/validations',
    'ingestionValidations',
    'Findings of the failed step',
    collection,
  ),
  {
    method: 'post',
    path: '/oauth2/v2.0/token',
    id: 'issueLocalToken',
    summary: 'Local mode only: a client-credentials token (client_id = publisher id)',
    identity: false,
    body: { type: 'application/x-www-form-urlencoded' },
    ok: {
      status: 200,
      schema: z.object({ token_type: z.string(), expires_in: z.int(), access_token: z.string() }),
    },
    errors: [],
    other: {
      400: {
        description: 'OAuth error',
        schema: z.object({ error: z.string(), error_description: z.string() }),
      },
      404: {
        description: 'In Azure',
        schema: z.object({ error: z.string(), error_description: z.string() }),
      },
    },
  },
  {
    method: 'put',
    path: '/admin/publisher-clients/{clientId}',
    id: 'putPublisherClient',
    summary: 'Maps an Entra application (client credentials) to a publisher (Admin)',
    identity: true,
    body: { type: 'application/json', schema: ingestion.publisherClientSchema },
    ok: { status: 200, schema: z.object({ clientId: z.string(), publisherId: z.string() }) },
    errors: [400, 401, 403, 500, 503],
  },
];
