import { recordTransition } from '../../activities/recordTransition';
import type { RecordTransitionInput } from '../../shared/contracts/activities';
import type { Transition } from '../../shared/domain/states';
import { OfferStatus, notStartedStatus } from '../../shared/domain/status';
import type { StepId } from '../../shared/domain/steps';
import { applyTransition, startSubmission } from '../../shared/domain/transitions';
import { testServices, uniqueOfferId } from './helpers';

/**
 * Step 8's start and an accepted Cancel are decided on the same status row (design.md: Cancel is
 * accepted until step 8 starts). A Cancel the route recorded first wins: step 8 does not start and
 * the orchestrator is told, even when the Cancel's event has not reached the orchestration yet.
 */
const services = testServices();
const record = recordTransition(services);
const AT = '2026-12-01T10:00:00.000Z';

const TO_STEP_8: [StepId, Transition][] = [
  ['publisher-signoff', 'succeeded'],
  ['marketing-technical-validation', 'started'],
  ['marketing-technical-validation', 'waiting'],
  ['marketing-technical-validation', 'succeeded'],
];

/** Submission 1 of a fresh offer, its step 7 just succeeded; no email address, so nothing is mailed. */
async function atStep8Boundary(extra: Partial<OfferStatus> = {}): Promise<string> {
  const offerId = uniqueOfferId('rt-cancel');
  let status: OfferStatus = startSubmission(notStartedStatus(offerId, AT), '1', 'x@contoso.com', AT);
  for (const [step, transition] of TO_STEP_8)
    status = applyTransition(status, { offerId, submissionId: '1', step, transition, at: AT });
  const seeded = { ...status, notificationEmail: null, ...extra };
  await services.statuses.update(
    offerId,
    () => seeded,
    () => seeded,
  );
  return offerId;
}

function publishStarted(offerId: string): RecordTransitionInput {
  return { offerId, submissionId: '1', step: 'publish', transition: 'started', at: AT };
}

describe('recordTransition(publish, started) and an accepted Cancel', () => {
  it('does not start step 8 when a Cancel of this submission is on the status, and reports it', async () => {
    const cancelRequest = { submissionId: '1', actor: 'ann@contoso.com', at: '2026-12-01T09:59:00.000Z' };
    const offerId = await atStep8Boundary({ cancelRequest } as Partial<OfferStatus>);
    const result = await record(publishStarted(offerId));
    expect(result).toEqual({ cancelRequested: { actor: cancelRequest.actor, at: cancelRequest.at } });
    const status = await services.statuses.get(offerId);
    expect(status?.currentStep).toBe('marketing-technical-validation');
    expect(status?.steps.find((s) => s.id === 'publish')?.state).toBe('NotStarted');
    const history = await services.history.list(offerId);
    expect(history.filter((e) => e.step === 'publish')).toEqual([]);
  });

  it('starts step 8 when no Cancel was accepted, or only one of an earlier submission', async () => {
    const earlier = { submissionId: '0', actor: 'ann@contoso.com', at: '2026-11-01T09:00:00.000Z' };
    for (const extra of [{}, { cancelRequest: earlier } as Partial<OfferStatus>]) {
      const offerId = await atStep8Boundary(extra);
      const result = (await record(publishStarted(offerId))) as unknown;
      expect((result as { cancelRequested?: unknown } | undefined)?.cancelRequested).toBeUndefined();
      const status = await services.statuses.get(offerId);
      expect([status?.currentStep, status?.state]).toEqual(['publish', 'Running']);
      expect(status?.steps.find((s) => s.id === 'publish')?.state).toBe('InProgress');
    }
  });
});

describe('recordTransition and the submission record', () => {
  it('shows the new state in the submission record before the status shows it', async () => {
    const offerId = await atStep8Boundary();
    await record(publishStarted(offerId));
    await services.submissions.put({
      offerId,
      submissionId: '1',
      instanceId: `${offerId}:1`,
      state: 'Running',
      notificationEmail: 'x@contoso.com',
      startedAt: AT,
      endedAt: null,
      error: null,
    });
    // What a reader of the list finds at the moment the status is about to change.
    const seenByStatusWrites: (string | undefined)[] = [];
    const watched = {
      ...services,
      statuses: {
        ...services.statuses,
        update: async (...args: Parameters<typeof services.statuses.update>) => {
          seenByStatusWrites.push((await services.submissions.get(offerId, '1'))?.state);
          return services.statuses.update(...args);
        },
      },
    };
    await recordTransition(watched)({ ...publishStarted(offerId), transition: 'succeeded' });
    await recordTransition(watched)({
      offerId,
      submissionId: '1',
      step: 'live',
      transition: 'succeeded',
      at: AT,
    });
    expect(seenByStatusWrites.at(-1)).toBe('Live');
    expect((await services.statuses.get(offerId))?.state).toBe('Live');
    expect((await services.submissions.get(offerId, '1'))?.endedAt).toBe(AT);
  });
});
