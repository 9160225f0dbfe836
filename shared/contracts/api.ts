import { z } from 'zod';
import { notificationEmailSchema, offerDraftSchema, offerIdSchema } from '../domain/offer';
import { STEP_IDS } from '../domain/steps';
import { STEP_STATES, SUBMISSION_STATES, TRANSITIONS } from '../domain/states';
import { REVIEW_AREAS } from '../domain/status';
import { QUESTION_ID_PATTERN, QUESTION_TEXT_MAX } from '../domain/questions';

/**
 * The request and response bodies of api.md, as zod schemas: handlers parse requests with them
 * and the OpenAPI document (GET /api/openapi.json) is generated from them, so they cannot drift.
 */

// ---- parameters -------------------------------------------------------------------------------

export { offerIdSchema };
export const reviewAreaSchema = z.enum(REVIEW_AREAS as [ReviewAreaName, ...ReviewAreaName[]]);
type ReviewAreaName = (typeof REVIEW_AREAS)[number];

/** Storefront artifact names: the same rule as the names an offer's storefront refers to. */
export const artifactNameSchema = offerDraftSchema.shape.storefront.unwrap().shape.logo.unwrap();

export const LIST_TOP_DEFAULT = 100;
export const LIST_TOP_MAX = 200;
export const listOffersQuerySchema = z.object({
  state: z.enum(SUBMISSION_STATES).optional(),
  top: z
    .string()
    .regex(/^\d{1,3}$/, `must be an integer from 1 to ${LIST_TOP_MAX}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(1, `must be an integer from 1 to ${LIST_TOP_MAX}`)
        .max(LIST_TOP_MAX, `must be an integer from 1 to ${LIST_TOP_MAX}`),
    )
    .optional(),
  /** Opaque, from the previous page; checked against the caller's view (shared/http/continuation.ts). */
  continuation: z.string().min(1).max(2048).optional(),
});

/** The hidekey is a random token; anything longer than this is not one of ours. */
export const hidekeyQuerySchema = z.object({ hidekey: z.string().max(256).optional() });

// ---- request bodies ---------------------------------------------------------------------------

export { offerDraftSchema };

/**
 * The PUT body: a draft, or a GET answer sent back as it is (read-modify-write). The fields the
 * product sets are accepted and ignored (putOffer checks that `offerId` names this offer), as
 * "***" keeps a stored secret, so a round trip never fails on what the read added.
 */
export const offerPutBodySchema = offerDraftSchema.extend({
  offerId: z.string().max(256).optional(),
  publisherId: z.string().max(256).optional(),
  createdAt: z.string().max(64).optional(),
  updatedAt: z.string().max(64).optional(),
  productId: z.string().max(64).optional(),
});

/** The email is optional when the offer has a `notificationEmail` (the Publish then uses that). */
export const publishRequestSchema = z.strictObject({
  notificationEmail: notificationEmailSchema.optional(),
});
export type PublishRequest = z.infer<typeof publishRequestSchema>;

export const reviewRequestSchema = z
  .strictObject({
    outcome: z.enum(['approved', 'rejected']),
    // Optional when approved, where an empty string counts as none (issue 23); required when rejected.
    // null counts as none, as an empty string does.
    comments: z.string().max(10_000).nullish(),
    // abort: a timestamp fails the date check only, one details entry rather than two.
    publishDate: z.iso.date({ error: 'must be a date such as 2026-12-01', abort: true }).max(10).optional(),
  })
  .superRefine((review, ctx) => {
    if (review.outcome === 'rejected' && !review.comments?.trim()) {
      ctx.addIssue({ code: 'custom', path: ['comments'], message: 'required when the outcome is rejected' });
    }
  });
export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

/** api.md `POST /api/offers/{offerId}/publish-date` (Admin): a new promised date, or null to publish now. */
export const publishDateRequestSchema = z.strictObject({
  publishDate: z.iso
    .date({ error: 'must be a date such as 2027-01-15, or null', abort: true })
    .max(10)
    .nullable(),
});
export type PublishDateRequest = z.infer<typeof publishDateRequestSchema>;

// ---- responses --------------------------------------------------------------------------------

const detailSchema = z.object({ path: z.string(), message: z.string() });

export const errorResponseSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(detailSchema).optional(),
    correlationId: z.string().optional(),
  }),
});

export const storedOfferSchema = offerDraftSchema.extend({
  offerId: z.string(),
  publisherId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const stepIdSchema = z.enum(STEP_IDS as [string, ...string[]]);

export const offerSummarySchema = z.object({
  offerId: z.string(),
  name: z.string().nullable(),
  publisherId: z.string(),
  state: z.enum(SUBMISSION_STATES),
  currentStep: stepIdSchema.nullable(),
  liveVersion: z.string().nullable(),
  updatedAt: z.string(),
});
export const offerListSchema = z.object({
  offers: z.array(offerSummarySchema),
  continuation: z.string().nullable(),
});

export const blobNameResponseSchema = z.object({ blobName: z.string() });

/** POST .../package/upload-url: the package's name and size; the size limit is MAX_PACKAGE_BYTES. */
export const uploadUrlRequestSchema = z.strictObject({
  fileName: z.string().min(1).max(256),
  size: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const uploadUrlResponseSchema = z.object({
  uploadUrl: z.string(),
  blobName: z.string(),
  expiresAt: z.string(),
  /** Headers the PUT to uploadUrl must carry (x-ms-blob-type: BlockBlob, x-ms-meta-uploadsequence). */
  headers: z.record(z.string(), z.string()),
  /** The upload's place in the offer's upload order (also sent as blob metadata through `headers`). */
  uploadSequence: z.number().int().positive().optional(),
});

export const packageReportResponseSchema = z.object({
  blobName: z.string(),
  state: z.enum(['Pending', 'Passed', 'Failed']),
  manifest: z.record(z.string(), z.unknown()).nullable(),
  findings: z.array(
    z.object({
      rule: z.string(),
      severity: z.enum(['error', 'warning']),
      message: z.string(),
      path: z.string().optional(),
    }),
  ),
  validatedAt: z.string(),
});

export const publishResponseSchema = z.object({ submissionId: z.string(), statusUrl: z.string() });

const submissionErrorSchema = z.object({
  step: stepIdSchema,
  code: z.string(),
  message: z.string(),
  details: z.array(detailSchema),
});

export const ACTIONS = ['publish', 'goLive', 'cancel', 'review'] as const;

export const statusResponseSchema = z.object({
  offerId: z.string(),
  submissionId: z.string().nullable(),
  state: z.enum(SUBMISSION_STATES),
  currentStep: stepIdSchema.nullable(),
  steps: z.array(
    z.object({
      id: stepIdSchema,
      title: z.string(),
      state: z.enum(STEP_STATES),
      estimate: z.string(),
      startedAt: z.string().optional(),
      completedAt: z.string().optional(),
      message: z.string().optional(),
      overdue: z.boolean().optional(),
    }),
  ),
  error: submissionErrorSchema.nullable(),
  actions: z.array(z.enum(ACTIONS)),
  /** The owner from publisher sign-off on; reviewers and Admin from step 7 on. */
  preview: z.object({ url: z.string() }).optional(),
  /** From step 7 on: each area's decision so far (null: not decided yet). */
  reviews: z
    .object({
      marketing: z
        .object({ outcome: z.enum(['approved', 'rejected']), by: z.string(), at: z.string() })
        .nullable(),
      technical: z
        .object({ outcome: z.enum(['approved', 'rejected']), by: z.string(), at: z.string() })
        .nullable(),
    })
    .optional(),
  /** The latest publishing date the reviewers promised (YYYY-MM-DD), once one did. */
  publishDate: z.string().optional(),
  notificationEmail: z.string().nullable(),
  /** The app version currently live, or null; a failed or canceled update leaves it shown. */
  liveVersion: z.string().nullable(),
  updatedAt: z.string(),
  /** While step 7 runs: how many questions of this submission are not resolved yet. */
  openQuestions: z.number().int().min(0).optional(),
});
export type StatusResponse = z.infer<typeof statusResponseSchema>;

/** 202 answers of go-live, cancel and reviews: which submission the request was applied to. */
export const acceptedResponseSchema = z.object({ offerId: z.string(), submissionId: z.string() });

export const publishDateResponseSchema = acceptedResponseSchema.extend({
  publishDate: z.string().nullable(),
});

export const previewResponseSchema = z.object({
  offerId: z.string(),
  submissionId: z.string(),
  /** What the marketplace listing will show: the submitted offer's public fields. */
  manifest: z.record(z.string(), z.unknown()),
  package: z.object({ blobName: z.string(), url: z.string() }),
});

export const submissionListSchema = z.object({
  submissions: z.array(
    z.object({
      submissionId: z.string(),
      state: z.enum(SUBMISSION_STATES),
      startedAt: z.string(),
      endedAt: z.string().nullable(),
      error: submissionErrorSchema.nullable(),
    }),
  ),
});

export const historyResponseSchema = z.object({
  events: z.array(
    z.object({
      submissionId: z.string(),
      step: stepIdSchema,
      state: z.enum(TRANSITIONS),
      at: z.string(),
      message: z.string(),
      actor: z.string().optional(),
    }),
  ),
});

export const notificationListSchema = z.object({
  notifications: z.array(
    z.object({
      to: z.string(),
      subject: z.string(),
      step: stepIdSchema.nullable(),
      transition: z.string(),
      sentAt: z.string(),
      status: z.string(),
      /** The plain text of the email. */
      body: z.string(),
    }),
  ),
});

// ---- questions during review and the check (issue 23) ------------------------------------------

const questionTextSchema = z
  .string()
  .max(QUESTION_TEXT_MAX, { error: `must be at most ${QUESTION_TEXT_MAX} characters` })
  .refine((text) => text.trim().length > 0, { error: 'must not be blank' });

export const questionIdSchema = z
  .string()
  .max(20)
  .regex(QUESTION_ID_PATTERN, 'must be a question id from GET .../questions');

export const askQuestionRequestSchema = z.strictObject({
  area: reviewAreaSchema,
  text: questionTextSchema,
});

export const answerRequestSchema = z.strictObject({ text: questionTextSchema });

export const questionSchema = z.object({
  questionId: z.string(),
  submissionId: z.string(),
  area: reviewAreaSchema,
  text: z.string(),
  askedBy: z.string(),
  askedAt: z.string(),
  resolvedAt: z.string().nullable(),
  answers: z.array(z.object({ by: z.string(), at: z.string(), text: z.string() })),
});

export const questionListSchema = z.object({
  questions: z.array(questionSchema),
  /** The next page's token (GET .../questions?continuation=), null on the last page. */
  continuation: z.string().nullable(),
});

export const checkResponseSchema = z.object({
  findings: z.array(
    z.object({
      path: z.string(),
      severity: z.enum(['error', 'warning']),
      code: z.string(),
      message: z.string(),
    }),
  ),
});
