import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../ports/offerEvents';
import {
  createWebhookSchema,
  deliveryIdSchema,
  updateWebhookSchema,
  webhookIdSchema,
} from '../domain/webhooks';
import type { Operation } from './openapiOperation';

/** The path parameters of the webhook routes. */
export const WEBHOOK_PATH_PARAMS: Record<string, z.ZodType> = {
  webhookId: webhookIdSchema,
  deliveryId: deliveryIdSchema,
};

/** The Webhooks routes of api.md, for openapi.ts (from the zod schemas the handlers parse with). */
const webhookSchema = z.object({
  webhookId: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  offerIds: z.array(z.string()).nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  secret: z.string().describe('"***" on every read; the secret itself on create only'),
  createdAt: z.string(),
  disabledReason: z.string().nullable(),
});
const deliverySchema = z.object({
  deliveryId: z.string(),
  eventId: z.string().describe('The CloudEvent id and webhook-id header; the same on a redelivery'),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  offerId: z.string().nullable(),
  state: z.enum(['Pending', 'Succeeded', 'Failed']),
  attempts: z.array(
    z.object({
      at: z.string(),
      statusCode: z.number().int().nullable(),
      error: z.string().optional(),
      durationMs: z.number().int(),
      response: z.string().optional().describe('The first 1 KiB of the answer'),
    }),
  ),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
});
const started = z.object({ deliveryId: z.string(), eventId: z.string() });
const AUTH = [400, 401, 403, 404, 500, 503];
const json = (schema: z.ZodType) => ({ type: 'application/json', schema });

export const WEBHOOK_OPERATIONS: Operation[] = [
  {
    method: 'post',
    path: '/webhooks',
    id: 'createWebhook',
    summary: 'Registers an HTTPS endpoint for events; the secret (whsec_...) is returned here only',
    identity: true,
    body: json(createWebhookSchema),
    ok: { status: 201, schema: webhookSchema },
    errors: [...AUTH, 413, 415],
  },
  {
    method: 'get',
    path: '/webhooks',
    id: 'listWebhooks',
    summary: "The caller's endpoints (Admin: all), secrets masked",
    identity: true,
    ok: { status: 200, schema: z.object({ webhooks: z.array(webhookSchema) }) },
    errors: AUTH,
  },
  {
    method: 'get',
    path: '/webhooks/{webhookId}',
    id: 'getWebhook',
    summary: 'One endpoint, secret masked',
    identity: true,
    ok: { status: 200, schema: webhookSchema },
    errors: AUTH,
  },
  {
    method: 'patch',
    path: '/webhooks/{webhookId}',
    id: 'updateWebhook',
    summary: 'Changes url, events, offerIds, description or enabled',
    identity: true,
    body: json(updateWebhookSchema),
    ok: { status: 200, schema: webhookSchema },
    errors: [...AUTH, 413, 415],
  },
  {
    method: 'delete',
    path: '/webhooks/{webhookId}',
    id: 'deleteWebhook',
    summary: 'Removes an endpoint',
    identity: true,
    ok: { status: 204, type: 'text/plain' },
    errors: AUTH,
  },
  {
    method: 'post',
    path: '/webhooks/{webhookId}/rotate-secret',
    id: 'rotateWebhookSecret',
    summary: 'A new secret; the old one keeps signing beside it for 24 hours',
    identity: true,
    ok: { status: 200, schema: z.object({ secret: z.string() }) },
    errors: AUTH,
  },
  {
    method: 'post',
    path: '/webhooks/{webhookId}/ping',
    id: 'pingWebhook',
    summary: 'Sends a webhook.ping event',
    identity: true,
    ok: { status: 202, schema: started },
    errors: AUTH,
  },
  {
    method: 'get',
    path: '/webhooks/{webhookId}/deliveries',
    id: 'listWebhookDeliveries',
    summary: 'Deliveries newest first, kept 30 days, with each attempt and the first 1 KiB of its answer',
    identity: true,
    query: {
      top: z.int().min(1).max(100).default(25).describe('Page size.'),
      continuation: z.string().max(1000).describe('Opaque token from the previous page.'),
    },
    ok: {
      status: 200,
      schema: z.object({ deliveries: z.array(deliverySchema), continuation: z.string().nullable() }),
    },
    errors: AUTH,
  },
  {
    method: 'post',
    path: '/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver',
    id: 'redeliverWebhook',
    summary: 'Delivers the same event (same webhook-id) once more',
    identity: true,
    ok: { status: 202, schema: started },
    errors: AUTH,
  },
];
