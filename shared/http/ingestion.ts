import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { localMode } from '../config';
import { productIdSchema } from '../contracts/ingestion';
import { DomainError, ensureError } from '../domain/errors';
import { Caller, actsAsOwner } from '../domain/identity';
import { etagOf, matchesEtag, ProductState } from '../domain/ingestion';
import type { Offer } from '../domain/offer';
import type { Services } from '../services';
import { readJson } from './body';
import { JSON_CONTENT_TYPE, STATUS_OF } from './errors';
import {
  appClientIdOf,
  appClientIdOfLocalToken,
  bearerTokenOf,
  callerOf,
  callerOfLocalToken,
  PRINCIPAL_HEADER,
} from './principal';

/**
 * The HTTP side of the ingestion front door (api.md, "Partner Center ingestion API"): its error
 * shape, its identity (bearer tokens), its product lookup, and calls into the API's own handlers,
 * so Publish, Go Live and Cancel are decided by exactly the code of the /api/offers routes.
 */

export interface IngestionErrorEntry {
  code: string;
  message: string;
  target?: string;
}

/** An answer of the ingestion API's error shape. */
export class IngestionError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly code: string,
    readonly errors: IngestionErrorEntry[] = [],
  ) {
    super(message);
    this.name = 'IngestionError';
  }
}

export function ingestionJson(status: number, body: unknown, headers: Record<string, string> = {}) {
  return { status, jsonBody: body, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers } };
}

/**
 * `{"statusCode", "message", "errors"}`, plus `error` / `error_description`, which BcContainerHelper's
 * GetExtendedErrorMessage prints: with them the script shows our reason, not only the status line.
 */
export function ingestionErrorBody(
  statusCode: number,
  code: string,
  message: string,
  errors: IngestionErrorEntry[],
) {
  return { statusCode, message, errors, error: code, error_description: message };
}

function fromDomain(error: DomainError): IngestionError {
  const errors = (error.details ?? []).map((d) => ({ code: error.code, message: d.message, target: d.path }));
  return new IngestionError(STATUS_OF[error.code], error.message, error.code, errors);
}

/** Every ingestion handler: anything thrown becomes the ingestion error shape, never a bare 500. */
export function guardedIngestion<A extends unknown[]>(
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (thrown) {
      const error =
        thrown instanceof IngestionError
          ? thrown
          : thrown instanceof DomainError
            ? fromDomain(thrown)
            : undefined;
      if (error) {
        return ingestionJson(
          error.statusCode,
          ingestionErrorBody(error.statusCode, error.code, error.message, error.errors),
        );
      }
      const context = args[args.length - 1] as InvocationContext;
      const correlationId = randomUUID();
      context.error(`internal error ${correlationId}: ${ensureError(thrown).stack ?? String(thrown)}`);
      const message = `Something went wrong on our side (correlation id ${correlationId}).`;
      return ingestionJson(500, ingestionErrorBody(500, 'internal', message, []));
    }
  };
}

/**
 * Who calls. In local mode a bearer token is an unsigned JWT (principal.ts); behind App Service
 * Authentication the platform validated the token and set x-ms-client-principal. Either way an
 * application's own token (client credentials: app-only, no publisher_id claim) acts for the
 * publisher an Admin mapped its client id to. The mapping is the list of delivery clients: a
 * client nobody mapped acts for no publisher, and a user's delegated token is never mapped, even
 * one signed in through a mapped client.
 */
export async function ingestionCaller(request: HttpRequest, services: Services): Promise<Caller> {
  const token = bearerTokenOf(request);
  const local = !request.headers.get(PRINCIPAL_HEADER) && token && localMode(services.settings);
  const caller = local ? callerOfLocalToken(token, services.now().getTime()) : callerOf(request);
  if (caller.publisherId) return caller;
  const clientId = local ? appClientIdOfLocalToken(token) : appClientIdOf(request);
  const publisherId = clientId ? await services.ingestion.publisherOfClient(clientId) : undefined;
  if (!publisherId) return caller;
  return { name: caller.name, roles: [...new Set([...caller.roles, 'Publisher' as const])], publisherId };
}

function productNotFound(productId: string): IngestionError {
  return new IngestionError(404, `No product '${productId}' exists for this account.`, 'not_found');
}

export interface ProductRequest {
  caller: Caller;
  productId: string;
  offer: Offer;
}

/**
 * The prologue of every product route: who calls (401), the product (one point read of its lookup
 * row, then the offer), and whether they own it. A product of another publisher is 404, as
 * Partner Center answers for a product the account cannot see.
 */
export async function productRequest(request: HttpRequest, services: Services): Promise<ProductRequest> {
  const caller = await ingestionCaller(request, services);
  const parsed = productIdSchema.safeParse(request.params.productId);
  if (!parsed.success) throw productNotFound(String(request.params.productId ?? ''));
  const productId = parsed.data.toLowerCase();
  const offerId = await services.ingestion.offerOf(productId);
  const offer = offerId ? await services.offers.get(offerId) : undefined;
  if (!offer || offer.productId !== productId || !actsAsOwner(caller, offer.publisherId)) {
    throw productNotFound(productId);
  }
  return { caller, productId, offer };
}

export function emptyProductState(productId: string, offerId: string): ProductState {
  return { productId, offerId, packages: [], packageReferences: [], configurationVersion: 1 };
}

/** A PUT whose If-Match names another version than the stored one: 412. */
export function assertFresh(request: HttpRequest, current: string): void {
  if (!matchesEtag(request.headers.get('if-match'), current)) {
    throw new IngestionError(
      412,
      `The resource changed since it was read (If-Match ${request.headers.get('if-match')}, now ${current}). Read it again.`,
      'precondition_failed',
    );
  }
}

/** A JSON body, leniently typed: the script sends back what it read, with its extra fields. */
export async function readIngestionJson<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  services: Services,
): Promise<z.infer<S>> {
  return readJson(request, schema, services.settings.MAX_JSON_BODY_BYTES);
}

export const ETAG_HEADER = 'etag';

export function packageEtag(version: number): string {
  return etagOf('package', version);
}
