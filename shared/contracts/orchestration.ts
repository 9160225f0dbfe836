import { z } from 'zod';
import { submissionRefSchema } from './activities';

/**
 * The publishing orchestration's input and the payloads of the events raised to it.
 * Settings the orchestrator needs travel in its input: orchestrators never read the environment.
 */
export const publishInputSchema = submissionRefSchema.extend({
  notificationEmail: z.string(),
  /** The offer's name at Publish: what the submission's emails call it (no snapshot read for it). */
  offerName: z.string().optional(),
  settings: z.object({
    /** ISO 8601 durations. */
    packageValidationTimeout: z.string(),
    signoffReminderInterval: z.string(),
    reviewSlaBusinessDays: z.number().int().positive(),
  }),
});
export type PublishInput = z.infer<typeof publishInputSchema>;

export const goLiveEventSchema = z.object({ actor: z.string(), at: z.string() });
export type GoLiveEvent = z.infer<typeof goLiveEventSchema>;

export const cancelEventSchema = z.object({ actor: z.string(), at: z.string() });
export type CancelEvent = z.infer<typeof cancelEventSchema>;

export const reviewDecisionEventSchema = z.object({
  area: z.enum(['marketing', 'technical']),
  outcome: z.enum(['approved', 'rejected']),
  comments: z.string().optional(),
  publishDate: z.string().optional(),
  reviewer: z.string(),
  decidedAt: z.string(),
});
export type ReviewDecisionEvent = z.infer<typeof reviewDecisionEventSchema>;

/** An Admin's new promised date ("2027-01-15") for step 8, or null: publish now. */
export const publishDateEventSchema = z.object({
  publishDate: z.string().nullable(),
  actor: z.string(),
  at: z.string(),
});
export type PublishDateEvent = z.infer<typeof publishDateEventSchema>;

/** Raised by package validation when a report for the offer's package is stored. */
export const packageReportEventSchema = z.object({ blobName: z.string(), etag: z.string().optional() });
export type PackageReportEvent = z.infer<typeof packageReportEventSchema>;
