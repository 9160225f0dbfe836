import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { invalidRequest } from './errors';

/** The media type without parameters, lower case ("application/json; charset=utf-8" → "application/json"). */
export function mediaTypeOf(request: HttpRequest): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export function requireMediaType(
  request: HttpRequest,
  accepted: (type: string) => boolean,
  expected: string,
) {
  const type = mediaTypeOf(request);
  if (!accepted(type)) {
    throw new DomainError(
      'unsupported_media_type',
      `Content-Type '${type || '(none)'}' is not accepted here; send ${expected}.`,
    );
  }
}

function tooLarge(limit: number): DomainError {
  return new DomainError('payload_too_large', `The body is larger than the limit of ${limit} bytes.`);
}

/**
 * Reads the body, refusing it as soon as it passes `limit`: the declared length is checked first,
 * then the bytes actually read (a client may lie or stream without a length).
 */
export async function readBytes(request: HttpRequest, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (!request.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not cancelled: cancelling destroys the connection the 413 still has to travel on. The
      // unread rest is discarded by the host once the answer is out.
      reader.releaseLock();
      throw tooLarge(limit);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

const isJson = (type: string) => type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);

/** A JSON body parsed with `schema`: 415 for another media type, 413 over the limit, 400 otherwise. */
export async function readJson<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  limit: number,
): Promise<z.infer<S>> {
  requireMediaType(request, isJson, 'application/json');
  const bytes = await readBytes(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DomainError('invalid_request', 'The body is not valid JSON.', [
      { path: '(body)', message: 'malformed JSON' },
    ]);
  }
  return parseWith(schema, value);
}

/** Validates a value (a body, a path or query parameter); every bad field becomes a `details` entry. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix?: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, prefix);
  return parsed.data;
}

/** A route parameter checked with its schema; the path names the parameter. */
export function routeParam<S extends z.ZodType>(request: HttpRequest, name: string, schema: S): z.infer<S> {
  return parseWith(schema, request.params[name], name);
}
