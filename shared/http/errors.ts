import { randomUUID } from 'node:crypto';
import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { ZodError } from 'zod';
import { ConfigError } from '../config';
import { DomainError, ErrorCode, ErrorDetail, ensureError, jsonPath } from '../domain/errors';

/** The HTTP status of each api.md error code. */
export const STATUS_OF: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  offer_not_found: 404,
  not_found: 404,
  submission_active: 409,
  not_at_signoff: 409,
  not_cancellable: 409,
  not_in_review: 409,
  already_decided: 409,
  not_waiting_for_date: 409,
  limit_reached: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  internal: 500,
  unavailable: 503,
};

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Every JSON answer of the API: api.md fixes the content type. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers } };
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[]; correlationId?: string };
}

export function errorBody(code: ErrorCode, message: string, details?: ErrorDetail[]): ErrorBody {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

/** An error body stays small whatever the request held: a million unknown keys are not echoed back. */
export const DETAIL_LIMITS = { entries: 100, pathChars: 256, messageChars: 300 } as const;

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 3)}...`);

/** At most DETAIL_LIMITS.entries entries, each cut to a readable length, then one that counts the rest. */
export function boundedDetails(details: ErrorDetail[]): ErrorDetail[] {
  const kept = details.slice(0, DETAIL_LIMITS.entries).map((d) => ({
    path: cut(d.path, DETAIL_LIMITS.pathChars),
    message: cut(d.message, DETAIL_LIMITS.messageChars),
  }));
  if (details.length > DETAIL_LIMITS.entries)
    kept.push({ path: '(body)', message: `... and ${details.length - DETAIL_LIMITS.entries} more problems` });
  return kept;
}

/** One entry per bad field, named by its JSON path (api.md `details`); each unknown field is one too. */
export function detailsOf(error: ZodError, prefix?: string): ErrorDetail[] {
  const join = (parts: PropertyKey[]) =>
    jsonPath([...(prefix === undefined || prefix === '' ? [] : [prefix]), ...parts]) || '(body)';
  const all = error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'unknown field' }))
      : [{ path: join(issue.path), message: issue.message }],
  );
  // zod may report one field twice (a wrong type and a length, a pattern and a length): the first says it.
  const seen = new Set<string>();
  return boundedDetails(all.filter((d) => !seen.has(d.path) && seen.add(d.path)));
}

export function invalidRequest(error: ZodError, prefix?: string): DomainError {
  return new DomainError(
    'invalid_request',
    'The request is not valid; see details.',
    detailsOf(error, prefix),
  );
}

/**
 * Maps anything thrown by a handler to the api.md error body. Domain errors keep their code,
 * a configuration error is 503; everything else is `500 internal` with a correlation id, the stack only in the log.
 */
/** One detail per configuration problem ("NAME: what is wrong"), named by the setting. */
export function settingDetails(problems: string[]): ErrorDetail[] {
  return problems.map((problem) => {
    const at = problem.indexOf(': ');
    return at > 0
      ? { path: problem.slice(0, at), message: problem.slice(at + 2) }
      : { path: '(settings)', message: problem };
  });
}

/**
 * A misconfigured app is the operator's problem, not a bug nor the caller's: `503 unavailable`
 * naming the settings (the problems never quote a value), as GET /api/health does.
 */
function unavailable(error: ConfigError): HttpResponseInit {
  const details = settingDetails(error.problems);
  const names = [...new Set(details.map((d) => d.path))].join(', ');
  const message = `The app is not configured correctly (${names}); see GET /api/health.`;
  return json(503, errorBody('unavailable', message, boundedDetails(details)));
}

export function errorResponse(thrown: unknown, context: InvocationContext): HttpResponseInit {
  if (thrown instanceof ConfigError) return unavailable(thrown);
  if (thrown instanceof DomainError) {
    const details = thrown.details && boundedDetails(thrown.details);
    return json(STATUS_OF[thrown.code], errorBody(thrown.code, thrown.message, details));
  }
  const error = ensureError(thrown);
  const correlationId =
    context.invocationId && context.invocationId !== 'unknown' ? context.invocationId : randomUUID();
  context.error(`internal error ${correlationId}: ${error.stack ?? error.message}`);
  const body = errorBody('internal', `Something went wrong on our side (correlation id ${correlationId}).`);
  body.error.correlationId = correlationId;
  return json(500, body);
}

/**
 * Wraps a handler so that it never answers with anything but api.md's bodies. A refused body is
 * left unread: the host discards it after the answer (see devhost/httpServer.ts streamHttp).
 */
export function guarded<A extends unknown[]>(
  handler: (...args: A) => Promise<HttpResponseInit>,
): (...args: A) => Promise<HttpResponseInit> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (thrown) {
      return errorResponse(thrown, args[args.length - 1] as InvocationContext);
    }
  };
}
