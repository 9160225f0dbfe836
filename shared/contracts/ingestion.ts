import { z } from 'zod';
import { PACKAGE_TYPES } from '../domain/ingestion';

/**
 * Request schemas of the ingestion routes (api.md, "Partner Center ingestion API"). Bodies are
 * loose: the script PUTs back what it read, with every field of the resource.
 */
export const productIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'must be a product id (a GUID)');
export const selectorSchema = z.string().min(1).max(200);
export const packageIdSchema = z.string().min(1).max(64);
export const submissionIdSchema = z.string().min(1).max(20);
export const clientIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'must be an Entra client id (a GUID)');

const reference = z.looseObject({ type: z.string().max(100), value: z.string().max(100) });

export const packageCreateSchema = z.looseObject({
  resourceType: z.enum(PACKAGE_TYPES),
  fileName: z.string().min(1).max(256),
});
export const packageUpdateSchema = z.looseObject({ state: z.string().max(50) });
export const configurationBodySchema = z.looseObject({ packageReferences: z.array(reference).max(10) });
export const propertyBodySchema = z.looseObject({ appVersion: z.string().max(47) });
export const submissionCreationSchema = z.looseObject({
  resourceType: z.string().max(100).optional(),
  targets: z.array(reference).max(10).optional(),
  resources: z.array(reference).max(10).optional(),
});
export const publisherClientSchema = z.strictObject({
  publisherId: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a publisher id'),
});
