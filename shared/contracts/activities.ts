import { z } from 'zod';
import { STEP_IDS, StepId } from '../domain/steps';
import { ENDED_STATES, TRANSITIONS } from '../domain/states';

/**
 * Inputs and results of activities, shared by the orchestrator (which builds inputs and reads
 * results) and the activities (which parse both ends). Payloads carry ids and blob names only.
 */

const stepId = z.enum(STEP_IDS as [StepId, ...StepId[]]);
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
  z.object({
    outcome: z.literal('succeeded'),
    message: z.string().optional(),
    /**
     * Step 1 only: later steps that do not apply to this offer (no Test Drive, no lead
     * destination), so they are recorded skipped with the change around them, not run.
     */
    skip: z.array(z.object({ step: stepId, message: z.string() })).optional(),
  }),
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

/** Step 2's input: the live version the package must exceed, when a step change told it (nothing to read). */
export const packageStepInputSchema = stepActivityInputSchema.extend({
  lastLiveVersion: z.string().nullable().optional(),
});
export type PackageStepInput = z.infer<typeof packageStepInputSchema>;

/** Step 1's input: the notification email given with Publish travels with it (nothing to read). */
export const prerequisitesInputSchema = stepActivityInputSchema.extend({
  notificationEmail: z.string().optional(),
});

/** One transition of a step change, as recorded (a history row each). */
export const transitionEntrySchema = z.object({
  step: stepId,
  transition: z.enum(TRANSITIONS),
  at: z.string(),
  message: z.string().optional(),
  actor: z.string().optional(),
  /** A repeated transition of one step (a moved date): its own history row, numbered from 1. */
  revision: z.number().int().positive().optional(),
  /** Step 8's promised date as an Admin set it (null: cleared); shown by the status from then on. */
  promisedDate: z.string().nullable().optional(),
  /** Step 8's success: what went live (shared/domain/transitions.ts LiveRelease). */
  live: z
    .object({ livePackage: z.string(), version: z.string().optional(), appId: z.string().optional() })
    .optional(),
  error: z
    .object({ step: stepId, code: z.string(), message: z.string(), details: z.array(detail) })
    .optional(),
});
export type TransitionEntry = z.infer<typeof transitionEntrySchema>;

/** One transition of one submission (what the reconciler records when it ends an orphan). */
export const recordTransitionInputSchema = transitionEntrySchema.extend({
  offerId: z.string(),
  submissionId: z.string(),
});
export type RecordTransitionInput = z.infer<typeof recordTransitionInputSchema>;

/**
 * A step change (shared/domain/stepChange.ts): the transitions recorded in one write and one
 * email. At most the nine steps' worth, so one change always fits one transaction.
 */
export const recordStepChangeInputSchema = z.object({
  offerId: z.string(),
  submissionId: z.string(),
  transitions: z.array(transitionEntrySchema).min(1).max(12),
  /** The first change of a submission names the offer (the status keeps it for the later ones). */
  offerName: z.string().optional(),
  /**
   * The change that ends step 5 links the preview step 5 wrote: the status gets its blob and a new
   * hidekey in the same transaction (a retry finds the change written and keeps the key).
   */
  preview: z.object({ blobName: z.string() }).optional(),
});
export type RecordStepChangeInput = z.infer<typeof recordStepChangeInputSchema>;

/**
 * What recordStepChange returns. Only a change that starts step 8 can be refused: when a Cancel
 * of this submission was accepted on the status first, step 8 does not start (nothing of the
 * change is recorded) and the Cancel is reported.
 */
export const recordTransitionResultSchema = z.object({
  cancelRequested: z.object({ actor: z.string(), at: z.string() }).optional(),
  /**
   * The submission had already ended (the reconciler ended it while its orchestration still ran):
   * how it ended. The change was not recorded and the orchestration stops.
   */
  ended: z.enum(ENDED_STATES).optional(),
  /**
   * The offer's live version as the recorded change left it (null: none). It changes only when a
   * submission goes live, so while this one runs it is the version step 2 compares with (absent in
   * results of older versions: step 2 reads the status).
   */
  lastLiveVersion: z.string().nullable().optional(),
});
export type RecordTransitionResult = z.infer<typeof recordTransitionResultSchema>;

/** Step 2's result: a step outcome, or "waiting" while no validated package is stored yet. */
export const packageStepResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('waiting'), message: z.string() }),
  z.object({
    outcome: z.literal('succeeded'),
    message: z.string().optional(),
    /** The validated package (container `packages`) and the version (ETag) that passed. */
    blobName: z.string(),
    etag: z.string().optional(),
    version: z.string().optional(),
    /**
     * Container `submissions`: the copy of exactly that version taken at step 2. Step 5 packs it and
     * step 8 publishes it, so a later upload (even to the same blob name) reaches only the next submission.
     */
    copyBlobName: z.string(),
    /** The app id this submission claimed (absent in results of older versions: read from the snapshot). */
    appId: z.string().optional(),
  }),
  z.object({
    outcome: z.literal('failed'),
    code: z.string(),
    message: z.string(),
    details: z.array(detail).default([]),
  }),
]);
export type PackageStepResult = z.infer<typeof packageStepResultSchema>;

export const sendReminderInputSchema = stepActivityInputSchema.extend({
  /** 1 for the first reminder: part of the de-duplication key. */
  reminder: z.number().int().positive(),
});
export type SendReminderInput = z.infer<typeof sendReminderInputSchema>;

export const escalateReviewInputSchema = stepActivityInputSchema.extend({
  waitingSince: z.string(),
  businessDays: z.number().int().positive(),
});
export type EscalateReviewInput = z.infer<typeof escalateReviewInputSchema>;

/** The package that passed step 2, as steps 5 and 8 receive it from the orchestrator. */
export const validatedPackageSchema = z.object({
  blobName: z.string(),
  etag: z.string().optional(),
  version: z.string().optional(),
  copyBlobName: z.string(),
  appId: z.string().optional(),
});
export type ValidatedPackage = z.infer<typeof validatedPackageSchema>;

export const buildPreviewInputSchema = stepActivityInputSchema.extend({ package: validatedPackageSchema });
export type BuildPreviewInput = z.infer<typeof buildPreviewInputSchema>;

export const publishPackageInputSchema = stepActivityInputSchema.extend({ package: validatedPackageSchema });
export type PublishPackageInput = z.infer<typeof publishPackageInputSchema>;
