import { z } from 'zod';
import { STEP_IDS } from '../domain/steps';
import { TRANSITIONS } from '../domain/states';

/**
 * Inputs and results of activities, shared by the orchestrator (which builds inputs and reads
 * results) and the activities (which parse both ends). Payloads carry ids and blob names only.
 */

const stepId = z.enum(STEP_IDS as [string, ...string[]]);
const detail = z.object({ path: z.string(), message: z.string() });

export const submissionRefSchema = z.object({
  offerId: z.string(),
  submissionId: z.string(),
  /** Blob (container `submissions`) holding the offer snapshot the submission started with. */
  snapshotBlobName: z.string(),
});
export type SubmissionRef = z.infer<typeof submissionRefSchema>;

/** What a step activity returns: business failures are values; infrastructure failures throw (and are retried). */
export const stepOutcomeSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('succeeded'), message: z.string().optional() }),
  z.object({ outcome: z.literal('skipped'), message: z.string().optional() }),
  z.object({
    outcome: z.literal('failed'),
    code: z.string(),
    message: z.string(),
    details: z.array(detail).default([]),
  }),
]);
export type StepOutcome = z.infer<typeof stepOutcomeSchema>;

export const stepActivityInputSchema = submissionRefSchema.extend({
  /** The orchestration's time, so activities stamp what they write deterministically. */
  at: z.string(),
});
export type StepActivityInput = z.infer<typeof stepActivityInputSchema>;

export const recordTransitionInputSchema = z.object({
  offerId: z.string(),
  submissionId: z.string(),
  step: stepId,
  transition: z.enum(TRANSITIONS),
  at: z.string(),
  message: z.string().optional(),
  actor: z.string().optional(),
  error: z
    .object({ step: stepId, code: z.string(), message: z.string(), details: z.array(detail) })
    .optional(),
});
export type RecordTransitionInput = z.infer<typeof recordTransitionInputSchema>;
