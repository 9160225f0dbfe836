import { randomBytes } from 'node:crypto';
import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { loadConfig } from '../../shared/config';
import type { Offer } from '../../shared/domain/offer';
import { OfferStatus, notStartedStatus } from '../../shared/domain/status';
import { startSubmission } from '../../shared/domain/transitions';
import type { OrchestrationClient } from '../../shared/http/orchestrations';
import { Services, createServices } from '../../shared/services';
import { PEOPLE } from '../support/principals';

export const BASE_URL = 'https://publish.example';

/** Real stores on the tests' Azurite; small limits so 413 is cheap to reach. */
export function testServices(env: Record<string, string> = {}): Services {
  const connection = process.env.TEST_STORAGE_CONNECTION;
  if (!connection) throw new Error('TEST_STORAGE_CONNECTION is not set: run through jest.');
  return createServices(
    loadConfig({
      AzureWebJobsStorage: connection,
      PUBLIC_BASE_URL: BASE_URL,
      // As the local host sets it: the handlers trust the identity header only in local mode.
      LOCAL_MODE: 'true',
      MAX_JSON_BODY_BYTES: '65536',
      MAX_PACKAGE_BYTES: '4096',
      MAX_ARTIFACT_BYTES: '2048',
      ...env,
    }),
  );
}

export function uniqueOfferId(prefix = 'offer'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export type Person = keyof typeof PEOPLE;

export interface RequestInit {
  as?: Person;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** JSON unless a string or Buffer. */
  body?: unknown;
}

export function request(method: string, path: string, init: RequestInit = {}): HttpRequest {
  const headers: Record<string, string> = { ...init.headers };
  if (init.as) headers['x-ms-client-principal'] = PEOPLE[init.as];
  let body: { string?: string; bytes?: Uint8Array } | undefined;
  if (Buffer.isBuffer(init.body)) body = { bytes: init.body };
  else if (typeof init.body === 'string') body = { string: init.body };
  else if (init.body !== undefined) {
    body = { string: JSON.stringify(init.body) };
    headers['content-type'] ??= 'application/json';
  }
  const query = new URLSearchParams(init.query ?? {}).toString();
  return new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}${query ? `?${query}` : ''}`,
    headers,
    params: init.params ?? {},
    query: init.query ?? {},
    body,
  });
}

export interface Logged {
  context: InvocationContext;
  lines: string[];
}

export function context(): Logged {
  const lines: string[] = [];
  const context = new InvocationContext({
    invocationId: `test-${randomBytes(4).toString('hex')}`,
    logHandler: (_level, ...args) => lines.push(args.map(String).join(' ')),
  });
  return { context, lines };
}

/** What a handler answered, with the JSON body parsed. */
export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function answer(response: HttpResponseInit): Answer {
  return {
    status: response.status ?? 200,
    headers: new Headers(response.headers as Record<string, string>),
    body: response.jsonBody,
  };
}

/** The durable client as the handlers use it, recording what they asked for. */
export class RecordingClient implements OrchestrationClient {
  started: { name: string; instanceId: string; input: unknown }[] = [];
  raised: { instanceId: string; eventName: string; eventData: unknown }[] = [];
  async startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string> {
    this.started.push({ name, ...options });
    return options.instanceId;
  }
  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    this.raised.push({ instanceId, eventName, eventData });
  }
  /** Runtime statuses by instance; an instance not listed is taken as Running (a seeded submission). */
  runtime = new Map<string, string>();
  async getStatus(instanceId: string): Promise<{ runtimeStatus: string }> {
    return { runtimeStatus: this.runtime.get(instanceId) ?? 'Running' };
  }
}

export type PlainHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
export type ClientHandler = (
  request: HttpRequest,
  client: OrchestrationClient,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

export async function call(handler: PlainHandler, req: HttpRequest): Promise<Answer> {
  return answer(await handler(req, context().context));
}

export async function callWith(handler: ClientHandler, client: OrchestrationClient, req: HttpRequest) {
  return answer(await handler(req, client, context().context));
}

/** A complete draft of the api.md example (Publish would pass step 1 with it). */
export function fullDraft(): Record<string, unknown> {
  return {
    name: 'Contoso Sales Insights',
    summary: 'Sales dashboards for Business Central',
    description: 'Long description of the sales dashboards.',
    categories: ['Sales'],
    supportUrl: 'https://contoso.example/support',
    privacyPolicyUrl: 'https://contoso.example/privacy',
    eulaUrl: 'https://contoso.example/eula',
    app: {
      id: '8b1c4e0a-3f5d-4c1e-9a77-2f0d5b6c7e11',
      name: 'Sales Insights',
      publisher: 'Contoso',
      version: '1.2.0.0',
    },
    storefront: { logo: 'logo-216.png', screenshots: ['shot-1.png'] },
    leadDestination: {
      type: 'azureTable',
      connectionString: 'UseDevelopmentStorage=true',
      tableName: 'Leads',
    },
  };
}

/** Stores an offer directly (the PUT route has its own tests). */
export async function seedOffer(
  services: Services,
  offerId: string,
  publisherId = 'contoso',
): Promise<Offer> {
  const now = new Date().toISOString();
  const offer: Offer = {
    ...(fullDraft() as Partial<Offer>),
    offerId,
    publisherId,
    createdAt: now,
    updatedAt: now,
  };
  await services.offers.put(offer);
  return offer;
}

/** Writes the status the orchestration would have written by now. */
export async function seedStatus(
  services: Services,
  offerId: string,
  change: (status: OfferStatus) => OfferStatus,
): Promise<OfferStatus> {
  const now = new Date().toISOString();
  return services.statuses.update(offerId, change, () => notStartedStatus(offerId, now));
}

/** A running submission `submissionId` waiting at `step` in `state`. */
export function at(
  state: OfferStatus['state'],
  step: NonNullable<OfferStatus['currentStep']>,
  extra: Partial<OfferStatus> = {},
  submissionId = '1',
) {
  return (current: OfferStatus): OfferStatus => ({
    ...startSubmission(current, submissionId, 'ann@contoso.com', new Date().toISOString()),
    state,
    currentStep: step,
    ...extra,
  });
}
