import type { z } from 'zod';

/**
 * One route as the OpenAPI document describes it. Its own module, so that openapi.ts (the API's
 * routes and the document) and openapiIngestion.ts (the ingestion routes) both depend on it and
 * not on each other.
 */
export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type Body = { type: string; schema?: z.ZodType };

export interface Operation {
  method: Method;
  path: string;
  id: string;
  summary: string;
  /** Whether x-ms-client-principal is required. */
  identity: boolean;
  body?: Body;
  query?: Record<string, z.ZodType>;
  ok: { status: number; schema?: z.ZodType; type?: string };
  errors: number[];
  /** Answers with their own body, beside the api.md error bodies of `errors`. */
  other?: Record<number, { description: string; schema: z.ZodType }>;
}
