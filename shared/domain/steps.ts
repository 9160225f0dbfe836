/**
 * The nine publishing steps: the single place that names them, their titles and estimates.
 * Ids are stable (they appear in the API, tables, emails and orchestration history).
 */
export const STEPS = [
  { id: 'validate-prerequisites', title: 'Validate Prerequisites', estimate: '< 5 minutes' },
  { id: 'automated-validation', title: 'Automated Application Validation', estimate: '< 1 hour' },
  { id: 'test-drive-validation', title: 'Test Drive Validation', estimate: '< 1 hour' },
  { id: 'lead-management', title: 'Lead Management Validation and Registration', estimate: '< 1 hour' },
  { id: 'appsource-packaging', title: 'AppSource Packaging', estimate: '< 1 day' },
  { id: 'publisher-signoff', title: 'Publisher Sign-off', estimate: 'until you press Go Live' },
  {
    id: 'marketing-technical-validation',
    title: 'Marketing and Technical Validation',
    estimate: 'first feedback within 5-7 business days',
  },
  {
    id: 'publish',
    title: 'Publish Application with the Service',
    estimate: '< 1 day after the publishing date',
  },
  { id: 'live', title: 'Live', estimate: '< 1 hour' },
] as const;

export type StepId = (typeof STEPS)[number]['id'];
export const STEP_IDS = STEPS.map((s) => s.id) as StepId[];

export function stepIndex(id: StepId): number {
  return STEP_IDS.indexOf(id);
}

export function isStepId(value: string): value is StepId {
  return (STEP_IDS as string[]).includes(value);
}
