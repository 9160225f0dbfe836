import { z } from 'zod';

export const OFFER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{2,49}$/;
export const offerIdSchema = z
  .string()
  .max(50)
  .regex(OFFER_ID_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{2,49}$');

/**
 * Field limits (api.md "Sizes"): every string has a maximum, so every document the API stores fits
 * one Azure table entity. URLs 2,048 characters, names 256, texts 10,000, secrets (a connection
 * string) 4,096.
 */
export const FIELD_LIMITS = { url: 2048, name: 256, text: 10_000, secret: 4096 } as const;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const APP_VERSION = /^\d+\.\d+\.\d+\.\d+$/;
const httpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an absolute https URL' })
  .max(FIELD_LIMITS.url, { error: `must be at most ${FIELD_LIMITS.url} characters` });
const blobFileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a plain file name (letters, digits, . _ -)');

/** An email address as Publish takes it (RFC 5321's 254 characters at most). */
export const notificationEmailSchema = z.email({ error: 'must be an email address' }).max(254);

export const leadDestinationSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('azureTable'),
    connectionString: z.string().min(1).max(FIELD_LIMITS.secret),
    tableName: z
      .string()
      .max(63)
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be a valid Azure table name')
      .optional(),
  }),
  z.strictObject({
    type: z.literal('https'),
    url: httpsUrl,
    secret: z.string().min(1).max(FIELD_LIMITS.secret).optional(),
  }),
]);
export type LeadDestination = z.infer<typeof leadDestinationSchema>;

export const appMetadataSchema = z.strictObject({
  id: z.string().max(36).regex(GUID, 'must be a GUID').optional(),
  name: z.string().min(1).max(FIELD_LIMITS.name).optional(),
  publisher: z.string().min(1).max(FIELD_LIMITS.name).optional(),
  version: z.string().max(47).regex(APP_VERSION, 'must have four numeric parts, such as 1.0.0.0').optional(),
});

export const testDriveSchema = z.strictObject({
  enabled: z.boolean(),
  instanceUrl: httpsUrl.optional(),
  maxConcurrent: z.number().int().min(1).max(99).optional(),
  durationHours: z.number().int().min(1).max(99).optional(),
  userManualUrl: httpsUrl.optional(),
});
export type TestDrive = z.infer<typeof testDriveSchema>;

/** What the storefront shows (step 5, appsource-packaging, reports longer texts). */
export const OFFER_LIMITS = { name: 50, summary: 100, description: 3000 } as const;

/**
 * The offer draft as a publisher sends it: fields may be missing (step 1 reports them),
 * but whatever is present is well formed, and unknown fields are rejected.
 */
export const offerDraftSchema = z.strictObject({
  // The storefront's tighter lengths (OFFER_LIMITS) are step 5's findings; a draft may exceed them.
  name: z.string().min(1).max(FIELD_LIMITS.name).optional(),
  summary: z.string().min(1).max(FIELD_LIMITS.text).optional(),
  description: z.string().min(1).max(FIELD_LIMITS.text).optional(),
  categories: z.array(z.string().min(1).max(50)).max(3).optional(),
  supportUrl: httpsUrl.optional(),
  privacyPolicyUrl: httpsUrl.optional(),
  eulaUrl: httpsUrl.optional(),
  app: appMetadataSchema.optional(),
  storefront: z
    .strictObject({
      logo: blobFileName.optional(),
      screenshots: z.array(blobFileName).max(5).optional(),
    })
    .optional(),
  testDrive: testDriveSchema.optional(),
  leadDestination: leadDestinationSchema.optional(),
  /** As in AppSourceCop.json: object names must start or end with one of them (design.md). */
  mandatoryAffixes: z.array(z.string().min(2).max(8)).max(10).optional(),
  /**
   * Where this offer's publishing notifications go by default (api.md): the Publish dialog
   * pre-fills it, a delivery through the ingestion API uses it, a Publish naming another keeps that.
   */
  notificationEmail: notificationEmailSchema.optional(),
});
export type OfferDraft = z.infer<typeof offerDraftSchema>;

/** A stored offer: the draft plus what the product adds. */
export interface Offer extends OfferDraft {
  offerId: string;
  /** Stable GUID assigned at creation: the ingestion API's product id (api.md). */
  productId?: string;
  publisherId: string;
  createdAt: string;
  updatedAt: string;
}

/** The fields Publish needs (step 1); each missing one is a finding named by its JSON path. */
export const REQUIRED_OFFER_PATHS = [
  'name',
  'summary',
  'description',
  'categories',
  'supportUrl',
  'privacyPolicyUrl',
  'app.id',
  'app.name',
  'app.publisher',
  'app.version',
  'storefront.logo',
] as const;

export const MASK = '***';

/** The offer as reads show it: secrets replaced by "***". */
export function maskSecrets<T extends OfferDraft>(offer: T): T {
  const lead = offer.leadDestination;
  if (!lead) return offer;
  const masked: LeadDestination =
    lead.type === 'azureTable'
      ? { ...lead, connectionString: MASK }
      : lead.secret === undefined
        ? lead
        : { ...lead, secret: MASK };
  return { ...offer, leadDestination: masked };
}
