export const SUBMISSION_STATES = [
  'NotStarted',
  'Running',
  'WaitingForPublisher',
  'WaitingForReview',
  'Failed',
  'Canceled',
  'Live',
] as const;
export type SubmissionState = (typeof SUBMISSION_STATES)[number];

export const STEP_STATES = [
  'NotStarted',
  'InProgress',
  'Waiting',
  'Succeeded',
  'Skipped',
  'Failed',
  'Canceled',
] as const;
export type StepState = (typeof STEP_STATES)[number];

/** A step transition as recorded in history and mailed to the publisher. */
export const TRANSITIONS = ['started', 'waiting', 'succeeded', 'skipped', 'failed', 'canceled'] as const;
export type Transition = (typeof TRANSITIONS)[number];

export const STEP_STATE_OF: Record<Transition, StepState> = {
  started: 'InProgress',
  waiting: 'Waiting',
  succeeded: 'Succeeded',
  skipped: 'Skipped',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** How a submission can end; once it has, it stays so. */
export const ENDED_STATES = ['Failed', 'Canceled', 'Live'] as const;
export type EndedState = (typeof ENDED_STATES)[number];

/** States in which the offer has no active submission, so Publish is accepted. */
export const IDLE_STATES: readonly SubmissionState[] = ['NotStarted', ...ENDED_STATES];

export function isActive(state: SubmissionState): boolean {
  return !IDLE_STATES.includes(state);
}

export function isEnded(state: SubmissionState): state is EndedState {
  return (ENDED_STATES as readonly SubmissionState[]).includes(state);
}
