import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { ORCHESTRATORS } from '../contracts/names';
import { DomainError } from '../domain/errors';
import { hasRole, isAdmin, type Caller } from '../domain/identity';
import {
  ADMIN_OWNER,
  MAX_ENDPOINTS_PER_OWNER,
  createWebhookSchema,
  deliveryIdFor,
  deliveryIdSchema,
  newSecret,
  newWebhookId,
  pingEvent,
  rotated,
  updateWebhookSchema,
  webhookIdSchema,
  webhookView,
  type Delivery,
  type WebhookEndpoint,
} from '../domain/webhooks';
import { OutboundRefusal, checkedAddress, checkedUrl, outboundPolicyOf } from '../adapters/outbound';
import type { OrchestrationClient } from '../http/orchestrations';
import { parseWith, readJson, routeParam } from '../http/body';
import { json } from '../http/errors';
import { callerOf } from '../http/principal';
import type { Services } from '../services';
import { workflowNow } from '../http/workflowTime';

/**
 * The webhook routes of api.md "Webhooks". A publisher's endpoints are its own (partition of its
 * publisher id) and cover its own offers; Admin's cover every offer. Secrets are shown on create
 * and rotation only, never logged, `***` on every read.
 */
export type WebhookClient = OrchestrationClient & { taskHubName?: string };

function invalid(path: string, message: string): DomainError {
  return new DomainError('invalid_request', 'The request is not valid; see details.', [{ path, message }]);
}

/** The owner key of the caller's endpoints: Admin's shared set, or the publisher's own. */
export function ownerOf(caller: Caller): string {
  if (isAdmin(caller)) return ADMIN_OWNER;
  if (hasRole(caller, 'Publisher') && caller.publisherId) return caller.publisherId;
  throw new DomainError('forbidden', 'Only a publisher (for its own offers) or an Admin registers webhooks.');
}

/** The endpoint named by the route, if the caller may see it (Admin: any). */
export async function endpointOf(services: Services, request: HttpRequest): Promise<WebhookEndpoint> {
  const caller = callerOf(request);
  const owner = ownerOf(caller);
  const raw = routeParam(request, 'webhookId', z.string().max(256));
  const valid = webhookIdSchema.safeParse(raw).success;
  const found = !valid
    ? undefined
    : owner === ADMIN_OWNER
      ? await services.webhooks.find(raw)
      : await services.webhooks.get(owner, raw);
  if (!found) throw new DomainError('not_found', `No webhook '${raw}' exists.`);
  return found;
}

/**
 * In Azure: https to public addresses only (the outbound policy of every delivery), else 400. A
 * name that does not resolve now is taken: it points nowhere the policy refuses, and a name whose
 * DNS is not set up yet (or a test's `.example` name) must not make registration fail; every
 * delivery checks the address again, and one that cannot be resolved is a failed attempt.
 */
async function checkUrl(services: Services, url: string): Promise<void> {
  const policy = outboundPolicyOf(services.settings);
  try {
    const target = checkedUrl(url, policy);
    await checkedAddress(target.hostname, policy);
  } catch (error) {
    if (error instanceof OutboundRefusal && error.unresolved) return;
    if (error instanceof OutboundRefusal) throw invalid('url', `is not called: ${error.message}`);
    throw error;
  }
}

/** A publisher names only its own offers (an unknown id and another's read the same). */
async function checkOfferIds(services: Services, owner: string, offerIds: string[] | null | undefined) {
  if (!offerIds || owner === ADMIN_OWNER) return;
  const details = [];
  for (const [i, offerId] of offerIds.entries()) {
    const offer = await services.offers.get(offerId);
    if (offer?.publisherId !== owner)
      details.push({ path: `offerIds[${i}]`, message: 'is not one of your offers' });
  }
  if (details.length > 0)
    throw new DomainError('invalid_request', 'The request is not valid; see details.', details);
}

export async function createWebhook(services: Services, client: WebhookClient, request: HttpRequest) {
  const caller = callerOf(request);
  const owner = ownerOf(caller);
  const body = await readJson(request, createWebhookSchema, services.settings.MAX_JSON_BODY_BYTES);
  await checkUrl(services, body.url);
  await checkOfferIds(services, owner, body.offerIds);
  if ((await services.webhooks.list(owner)).length >= MAX_ENDPOINTS_PER_OWNER)
    throw invalid('(body)', `at most ${MAX_ENDPOINTS_PER_OWNER} endpoints per publisher`);
  // The workflow's clock: events are stamped with it, and an endpoint takes those from now on.
  const now = (await services.clockFor(client.taskHubName).now()).toISOString();
  const secret = newSecret();
  const endpoint: WebhookEndpoint = {
    webhookId: newWebhookId(),
    owner,
    ownerName: caller.name,
    url: body.url,
    events: body.events,
    offerIds: body.offerIds ?? null,
    description: body.description ?? null,
    enabled: true,
    secrets: [{ secret, expiresAt: null }],
    createdAt: now,
    updatedAt: now,
    failingSince: null,
    disabledReason: null,
  };
  await services.webhooks.create(endpoint);
  // Answered once every process's kicks see it (directory.ts): no later event passes it by.
  await services.endpoints.settled();
  return json(201, { ...webhookView(endpoint), secret });
}

export async function listWebhooks(services: Services, request: HttpRequest) {
  const owner = ownerOf(callerOf(request));
  const endpoints =
    owner === ADMIN_OWNER ? await services.webhooks.listAll() : await services.webhooks.list(owner);
  return json(200, { webhooks: endpoints.map(webhookView) });
}

export async function getWebhook(services: Services, request: HttpRequest) {
  return json(200, webhookView(await endpointOf(services, request)));
}

export async function updateWebhook(services: Services, client: WebhookClient, request: HttpRequest) {
  const endpoint = await endpointOf(services, request);
  const body = await readJson(request, updateWebhookSchema, services.settings.MAX_JSON_BODY_BYTES);
  if (body.url !== undefined) await checkUrl(services, body.url);
  await checkOfferIds(services, endpoint.owner, body.offerIds);
  const now = services.now().toISOString();
  const updated = await services.webhooks.update(endpoint.owner, endpoint.webhookId, (e) => ({
    ...e,
    ...(body.url !== undefined ? { url: body.url } : {}),
    ...(body.events !== undefined ? { events: body.events } : {}),
    ...(body.offerIds !== undefined ? { offerIds: body.offerIds } : {}),
    ...(body.description !== undefined ? { description: body.description } : {}),
    // Enabling again starts a fresh day of failures.
    ...(body.enabled !== undefined
      ? { enabled: body.enabled, ...(body.enabled ? { disabledReason: null, failingSince: null } : {}) }
      : {}),
    updatedAt: now,
  }));
  if (!updated) throw new DomainError('not_found', `No webhook '${endpoint.webhookId}' exists.`);
  // What it covers may have grown: answered once every process's kicks see it (directory.ts).
  if (body.events !== undefined || body.offerIds !== undefined) await services.endpoints.settled();
  // Enabled: the deliveries that stopped while it was disabled go on where they stood. On every
  // such PATCH, not only the one that changed it, so a repeat after a failure here finishes it.
  if (body.enabled === true) await services.webhookDispatch(client).resume(updated);
  return json(200, webhookView(updated));
}

export async function deleteWebhook(services: Services, request: HttpRequest): Promise<HttpResponseInit> {
  const endpoint = await endpointOf(services, request);
  await services.webhooks.remove(endpoint.owner, endpoint.webhookId);
  return { status: 204 };
}

export async function rotateWebhookSecret(services: Services, client: WebhookClient, request: HttpRequest) {
  const endpoint = await endpointOf(services, request);
  const secret = newSecret();
  // The workflow's clock, which the deliveries judge the old secret's 24 hours by (moved locally).
  const now = await workflowNow(services, client);
  await services.webhooks.update(endpoint.owner, endpoint.webhookId, (e) => ({
    ...e,
    secrets: rotated(e, secret, now),
    updatedAt: now.toISOString(),
  }));
  return json(200, { secret });
}

async function startOnce(client: WebhookClient, endpoint: WebhookEndpoint, deliveryId: string) {
  await client.startNew(ORCHESTRATORS.deliverWebhookOnce, {
    instanceId: `webhook-once-${deliveryId}`,
    input: { webhookId: endpoint.webhookId, owner: endpoint.owner, deliveryId },
  });
}

export async function pingWebhook(services: Services, client: WebhookClient, request: HttpRequest) {
  // A disabled endpoint too (api.md: 202): a ping is how its owner tests it before enabling it again.
  const endpoint = await endpointOf(services, request);
  const now = await services.clockFor(client.taskHubName).now();
  const deliveryId = deliveryIdFor(now, `p${randomBytes(6).toString('hex')}`);
  const event = pingEvent(endpoint.webhookId, `evt_ping_${randomBytes(12).toString('hex')}`, now);
  await services.webhookDeliveries.open({
    deliveryId,
    webhookId: endpoint.webhookId,
    eventId: event.id,
    type: 'webhook.ping',
    offerId: null,
    seq: null,
    state: 'Pending',
    attempts: [],
    nextAttemptAt: now.toISOString(),
    createdAt: now.toISOString(),
    body: JSON.stringify(event),
  });
  await startOnce(client, endpoint, deliveryId);
  return json(202, { deliveryId, eventId: event.id });
}

export async function redeliverWebhook(services: Services, client: WebhookClient, request: HttpRequest) {
  const endpoint = await endpointOf(services, request);
  const id = routeParam(request, 'deliveryId', z.string().max(256));
  const original = deliveryIdSchema.safeParse(id).success
    ? await services.webhookDeliveries.get(endpoint.webhookId, id)
    : undefined;
  if (!original) throw new DomainError('not_found', `No delivery '${id}' exists for this webhook.`);
  const now = await services.clockFor(client.taskHubName).now();
  const deliveryId = deliveryIdFor(now, `r${randomBytes(6).toString('hex')}`);
  const copy: Delivery = {
    ...original,
    deliveryId,
    state: 'Pending',
    attempts: [],
    nextAttemptAt: now.toISOString(),
    createdAt: now.toISOString(),
  };
  await services.webhookDeliveries.open(copy);
  await startOnce(client, endpoint, deliveryId);
  return json(202, { deliveryId, eventId: copy.eventId });
}

// Deliveries, newest first, paged with a signed continuation ----------------------------------

const querySchema = z.strictObject({
  top: z.coerce.number().int().min(1).max(100).default(25),
  continuation: z.string().max(1000).optional(),
});

const sign = (key: Buffer, payload: string) =>
  createHmac('sha256', key).update(payload).digest().subarray(0, 18).toString('base64url');

function encodeToken(key: Buffer, webhookId: string, after: string): string {
  const payload = Buffer.from(JSON.stringify({ w: webhookId, a: after })).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

function decodeToken(key: Buffer, token: string, webhookId: string): string {
  const [payload = '', signature = '', extra] = token.split('.');
  const expected = Buffer.from(sign(key, payload));
  const ok =
    extra === undefined &&
    signature.length === expected.length &&
    timingSafeEqual(Buffer.from(signature), expected);
  const parsed = ok
    ? z.object({ w: z.literal(webhookId), a: deliveryIdSchema }).safeParse(safeJson(payload))
    : undefined;
  if (!parsed?.success)
    throw invalid('continuation', 'is not a continuation token issued by this API for this webhook');
  return parsed.data.a;
}

function safeJson(payload: string): unknown {
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

export function deliveryView(d: Delivery) {
  return {
    deliveryId: d.deliveryId,
    eventId: d.eventId,
    type: d.type,
    offerId: d.offerId,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'Pending' ? d.nextAttemptAt : null,
    createdAt: d.createdAt,
  };
}

export async function listWebhookDeliveries(services: Services, client: WebhookClient, request: HttpRequest) {
  const endpoint = await endpointOf(services, request);
  const query = parseWith(querySchema, Object.fromEntries(request.query.entries()));
  const key = await services.listTokenKey();
  const after = query.continuation ? decodeToken(key, query.continuation, endpoint.webhookId) : undefined;
  const now = await services.clockFor(client.taskHubName).now();
  const page = await services.webhookDeliveries.page(endpoint.webhookId, query.top, after, now);
  return json(200, {
    deliveries: page.deliveries.map(deliveryView),
    continuation: page.last ? encodeToken(key, endpoint.webhookId, page.last) : null,
  });
}
