import { z } from 'zod';
import * as api from '../contracts/api';
import * as ingestionContracts from '../contracts/ingestion';
import { INGESTION_OPERATIONS } from './openapiIngestion';
import { WEBHOOK_OPERATIONS, WEBHOOK_PATH_PARAMS } from './openapiWebhooks';
import type { Body, Operation } from './openapiOperation';
import { QUESTIONS_TOP_DEFAULT, QUESTIONS_TOP_MAX } from '../domain/questions';

/**
 * The OpenAPI 3.1 document of api.md, generated from the same zod schemas the handlers parse
 * with (z.toJSONSchema emits JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'offer_not_found',
  409: 'submission_active, not_at_signoff, not_cancellable, not_in_review or already_decided',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal',
  503: 'unavailable: the app is misconfigured (GET /api/health names the settings)',
};

const jsonBody = (schema: z.ZodType): Body => ({ type: 'application/json', schema });
const bytes = (type: string): Body => ({ type });
const AUTH = [400, 401, 403, 404, 500, 503];

/**
 * The query of GET /offers as a client sends it. The handler parses `top` from its string form
 * (listOffersQuerySchema); the document states the resulting limits.
 */
const LIST_QUERY: Record<string, z.ZodType> = {
  state: api.listOffersQuerySchema.shape.state.unwrap().describe('Only offers in this submission state.'),
  top: z.int().min(1).max(api.LIST_TOP_MAX).default(api.LIST_TOP_DEFAULT).describe('Page size.'),
  continuation: api.listOffersQuerySchema.shape.continuation
    .unwrap()
    .describe('Opaque token from the previous page; absent for the first page.'),
};

const healthySchema = z.object({ status: z.literal('healthy') });
const unhealthySchema = z.object({
  status: z.literal('unhealthy'),
  error: api.errorResponseSchema.shape.error,
});

export const OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/offers',
    id: 'listOffers',
    summary: 'All offers',
    identity: true,
    query: LIST_QUERY,
    ok: { status: 200, schema: api.offerListSchema },
    errors: [400, 401, 500, 503],
  },
  {
    method: 'put',
    path: '/offers/{offerId}',
    id: 'putOffer',
    summary: 'Create or replace the offer draft',
    identity: true,
    body: jsonBody(api.offerDraftSchema),
    ok: { status: 200, schema: api.storedOfferSchema },
    errors: [...AUTH, 413, 415],
  },
  {
    method: 'get',
    path: '/offers/{offerId}',
    id: 'getOffer',
    summary: 'The offer (secrets masked)',
    identity: true,
    ok: { status: 200, schema: api.storedOfferSchema },
    errors: AUTH,
  },
  {
    method: 'put',
    path: '/offers/{offerId}/package',
    id: 'uploadPackage',
    summary: 'Upload the .app or .zip package',
    identity: true,
    body: bytes('application/octet-stream'),
    ok: { status: 202, schema: api.blobNameResponseSchema },
    errors: [...AUTH, 413, 415],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/package/upload-url',
    id: 'createPackageUploadUrl',
    summary:
      'A write-only URL (at most 15 minutes) for one package blob; PUT the bytes there with the returned headers',
    identity: true,
    body: jsonBody(api.uploadUrlRequestSchema),
    ok: { status: 201, schema: api.uploadUrlResponseSchema },
    errors: [...AUTH, 413, 415],
  },
  {
    method: 'get',
    path: '/offers/{offerId}/package-validation',
    id: 'getPackageValidation',
    summary: 'The latest package report',
    identity: true,
    ok: { status: 200, schema: api.packageReportResponseSchema },
    errors: AUTH,
  },
  {
    method: 'put',
    path: '/offers/{offerId}/artifacts/{name}',
    id: 'uploadArtifact',
    summary: 'Upload a storefront image',
    identity: true,
    body: bytes('image/png'),
    ok: { status: 202, schema: api.blobNameResponseSchema },
    errors: [...AUTH, 413, 415],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/publish',
    id: 'publishOffer',
    summary:
      "Start a submission; notificationEmail defaults to the offer's own, and a new one becomes the offer's default",
    identity: true,
    body: jsonBody(api.publishRequestSchema),
    ok: { status: 202, schema: api.publishResponseSchema },
    errors: [...AUTH, 409, 413, 415],
  },
  {
    method: 'get',
    path: '/offers/{offerId}/status',
    id: 'getStatus',
    summary: 'The status of the current submission',
    identity: true,
    ok: { status: 200, schema: api.statusResponseSchema },
    errors: AUTH,
  },
  {
    method: 'post',
    path: '/offers/{offerId}/go-live',
    id: 'goLive',
    summary: 'Publisher sign-off',
    identity: true,
    ok: { status: 202, schema: api.acceptedResponseSchema },
    errors: [...AUTH, 409],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/cancel',
    id: 'cancelSubmission',
    summary: 'Cancel the submission',
    identity: true,
    ok: { status: 202, schema: api.acceptedResponseSchema },
    errors: [...AUTH, 409],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/reviews/{area}',
    id: 'submitReview',
    summary: 'A reviewer decision',
    identity: true,
    body: jsonBody(api.reviewRequestSchema),
    ok: { status: 202, schema: api.acceptedResponseSchema },
    errors: [...AUTH, 409, 413, 415],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/publish-date',
    id: 'setPublishDate',
    summary:
      'Move or clear the promised date of the submission waiting in step 8 (Admin; null publishes now)',
    identity: true,
    body: jsonBody(api.publishDateRequestSchema),
    ok: { status: 202, schema: api.publishDateResponseSchema },
    errors: [...AUTH, 409, 413, 415],
  },
  {
    method: 'get',
    path: '/offers/{offerId}/preview',
    id: 'getPreview',
    summary: 'The preview, opened by its hidekey',
    identity: false,
    query: { hidekey: api.hidekeyQuerySchema.shape.hidekey.unwrap() },
    ok: { status: 200, schema: api.previewResponseSchema },
    errors: [404, 500],
  },
  {
    method: 'get',
    path: '/offers/{offerId}/preview/package',
    id: 'getPreviewPackage',
    summary: 'Download the preview package',
    identity: false,
    query: { hidekey: api.hidekeyQuerySchema.shape.hidekey.unwrap() },
    ok: { status: 200, type: 'application/zip' },
    errors: [404, 500],
  },
  {
    method: 'get',
    path: '/offers/{offerId}/submissions',
    id: 'listSubmissions',
    summary: 'Every submission of the offer',
    identity: true,
    ok: { status: 200, schema: api.submissionListSchema },
    errors: AUTH,
  },
  {
    method: 'get',
    path: '/offers/{offerId}/history',
    id: 'getHistory',
    summary: 'Step history',
    identity: true,
    ok: { status: 200, schema: api.historyResponseSchema },
    errors: AUTH,
  },
  {
    method: 'get',
    path: '/offers/{offerId}/notifications',
    id: 'listNotifications',
    summary: 'Emails sent about the offer',
    identity: true,
    ok: { status: 200, schema: api.notificationListSchema },
    errors: AUTH,
  },
  {
    method: 'post',
    path: '/offers/{offerId}/check',
    id: 'checkOffer',
    summary: 'Every check of Publish that needs no submission, as findings by field (nothing stored)',
    identity: true,
    ok: { status: 200, schema: api.checkResponseSchema },
    errors: AUTH,
  },
  {
    method: 'get',
    path: '/offers/{offerId}/questions',
    id: 'listQuestions',
    summary: 'Questions during review with their answers, newest first, a page at a time',
    identity: true,
    query: {
      top: z.int().min(1).max(QUESTIONS_TOP_MAX).default(QUESTIONS_TOP_DEFAULT).describe('Page size.'),
      continuation: z
        .string()
        .max(2048)
        .describe('Opaque token from the previous page; absent for the first page.'),
    },
    ok: { status: 200, schema: api.questionListSchema },
    errors: AUTH,
  },
  {
    method: 'post',
    path: '/offers/{offerId}/questions',
    id: 'askQuestion',
    summary: 'A reviewer asks the publisher a question (step 7 only); the publisher is emailed',
    identity: true,
    body: jsonBody(api.askQuestionRequestSchema),
    ok: { status: 201, schema: api.questionSchema },
    errors: [...AUTH, 409, 413, 415],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/questions/{questionId}/answers',
    id: 'answerQuestion',
    summary: 'The publisher or a reviewer answers (step 7 only); the other side is emailed',
    identity: true,
    body: jsonBody(api.answerRequestSchema),
    ok: { status: 201, schema: api.questionSchema },
    errors: [...AUTH, 409, 413, 415],
  },
  {
    method: 'post',
    path: '/offers/{offerId}/questions/{questionId}/resolve',
    id: 'resolveQuestion',
    summary: "A reviewer of the question's area resolves it",
    identity: true,
    ok: { status: 200, schema: api.questionSchema },
    errors: AUTH,
  },
  {
    method: 'get',
    path: '/health',
    id: 'getHealth',
    summary: 'Whether the settings are valid',
    identity: false,
    ok: { status: 200, schema: healthySchema },
    errors: [],
    other: { 503: { description: 'Misconfigured: each bad setting by name', schema: unhealthySchema } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    id: 'getOpenApi',
    summary: 'This document',
    identity: false,
    ok: { status: 200, type: 'application/json' },
    errors: [500, 503],
  },
  {
    method: 'get',
    path: '/portal',
    id: 'portal',
    summary: 'The web portal (signs the browser in when App Service Authentication is on)',
    identity: false,
    ok: { status: 200, type: 'text/html' },
    errors: [],
  },
  {
    method: 'get',
    path: '/portal/assets/{name}',
    id: 'portalAsset',
    summary: "The portal's scripts and styles",
    identity: false,
    ok: { status: 200, type: 'text/*' },
    errors: [404],
  },
  {
    method: 'get',
    path: '/sample-package',
    id: 'getSamplePackage',
    summary:
      'Local mode only: a valid sample .app for the portal ("Download a sample package"); 404 in Azure',
    identity: false,
    ok: { status: 200, type: 'application/octet-stream' },
    errors: [400, 404],
  },
];

const PATH_PARAMS: Record<string, z.ZodType> = {
  offerId: api.offerIdSchema,
  name: api.artifactNameSchema,
  area: api.reviewAreaSchema,
  questionId: api.questionIdSchema,
  productId: ingestionContracts.productIdSchema,
  selector: ingestionContracts.selectorSchema,
  packageId: ingestionContracts.packageIdSchema,
  submissionId: ingestionContracts.submissionIdSchema,
  clientId: ingestionContracts.clientIdSchema,
  ...WEBHOOK_PATH_PARAMS,
};

/** The portal's asset file names (functions/portalAsset.ts serves only these). */
const PORTAL_ASSET_PARAM = z
  .string()
  .max(68)
  .regex(/^[a-z0-9][a-z0-9-]{0,63}\.(css|js|svg|png)$/);

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

function parametersOf(op: Operation): unknown[] {
  const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '');
  const path = names.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: schemaOf(
      (op.path.startsWith('/portal/') ? PORTAL_ASSET_PARAM : PATH_PARAMS[name]) ?? z.string(),
      'input',
    ),
  }));
  const query = Object.entries(op.query ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: false,
    schema: schemaOf(schema, 'input'),
  }));
  return [...path, ...query];
}

function responsesOf(op: Operation): Record<string, unknown> {
  const ok = op.ok.schema
    ? { 'application/json': { schema: schemaOf(op.ok.schema, 'output') } }
    : {
        [op.ok.type ?? 'application/octet-stream']: {
          schema: { type: 'string', contentMediaType: op.ok.type },
        },
      };
  const responses: Record<string, unknown> = { [op.ok.status]: { description: 'Success', content: ok } };
  if (op.id === 'putOffer') responses['201'] = { description: 'Created', content: ok };
  for (const status of op.errors) {
    responses[status] = { $ref: `#/components/responses/E${status}` };
  }
  for (const [status, other] of Object.entries(op.other ?? {})) {
    responses[status] = {
      description: other.description,
      content: { 'application/json': { schema: schemaOf(other.schema, 'output') } },
    };
  }
  return responses;
}

function operationOf(op: Operation): Record<string, unknown> {
  const body = op.body && {
    required: true,
    content: {
      [op.body.type]: {
        schema: op.body.schema
          ? schemaOf(op.body.schema, 'input')
          : { type: 'string', contentMediaType: op.body.type },
      },
    },
  };
  return {
    operationId: op.id,
    summary: op.summary,
    parameters: parametersOf(op),
    ...(body ? { requestBody: body } : {}),
    responses: responsesOf(op),
    security: op.identity ? [{ clientPrincipal: [] }] : [],
  };
}

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of [...OPERATIONS, ...INGESTION_OPERATIONS, ...WEBHOOK_OPERATIONS])
    (paths[op.path] ??= {})[op.method] = operationOf(op);
  const errorSchema = schemaOf(api.errorResponseSchema, 'output');
  const responses = Object.fromEntries(
    Object.entries(ERROR_TEXT).map(([status, text]) => [
      `E${status}`,
      { description: text, content: { 'application/json': { schema: errorSchema } } },
    ]),
  );
  return {
    openapi: '3.1.0',
    info: { title: 'Offer publishing pipeline', version: '1.0.0' },
    servers: [{ url: `${serverUrl.replace(/\/+$/, '')}/api` }],
    paths,
    components: {
      responses,
      securitySchemes: {
        clientPrincipal: {
          type: 'apiKey',
          in: 'header',
          name: 'x-ms-client-principal',
          description: 'Set by App Service Authentication: base64 JSON of the signed-in principal.',
        },
      },
    },
  };
}
