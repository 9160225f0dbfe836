import { notStartedStatus } from '../../shared/domain/status';
import { STEP_IDS } from '../../shared/domain/steps';
import { applyTransition, startSubmission, StepTransition } from '../../shared/domain/transitions';

const T0 = '2026-11-25T10:00:00.000Z';
const T1 = '2026-11-25T10:01:00.000Z';

function started() {
  return startSubmission(notStartedStatus('contoso-sales', T0), '1', 'ann@contoso.com', T0);
}

function transition(partial: Partial<StepTransition>): StepTransition {
  return {
    offerId: 'contoso-sales',
    submissionId: '1',
    step: 'validate-prerequisites',
    transition: 'started',
    at: T1,
    ...partial,
  };
}

describe('applyTransition', () => {
  it('starts a submission at step 1 with all nine steps not started', () => {
    const status = started();
    expect(status.state).toBe('Running');
    expect(status.steps.map((s) => s.id)).toEqual(STEP_IDS);
    expect(status.steps.every((s) => s.state === 'NotStarted')).toBe(true);
  });

  it('marks the step in progress and stamps its start', () => {
    const status = applyTransition(started(), transition({}));
    expect(status.steps[0]).toMatchObject({ state: 'InProgress', startedAt: T1 });
    expect(status.currentStep).toBe('validate-prerequisites');
  });

  it('waits for the publisher at sign-off and for the reviewers in review', () => {
    expect(
      applyTransition(started(), transition({ step: 'publisher-signoff', transition: 'waiting' })).state,
    ).toBe('WaitingForPublisher');
    expect(
      applyTransition(
        started(),
        transition({ step: 'marketing-technical-validation', transition: 'waiting' }),
      ).state,
    ).toBe('WaitingForReview');
  });

  it('records the error of a failed step', () => {
    const error = {
      step: 'automated-validation' as const,
      code: 'no_package',
      message: 'No package.',
      details: [],
    };
    const status = applyTransition(
      started(),
      transition({ step: 'automated-validation', transition: 'failed', error }),
    );
    expect(status.state).toBe('Failed');
    expect(status.error).toEqual(error);
    expect(status.steps[1]).toMatchObject({ state: 'Failed', completedAt: T1 });
  });

  it('resets every step when the submission is canceled', () => {
    const waiting = applyTransition(
      started(),
      transition({ step: 'publisher-signoff', transition: 'waiting' }),
    );
    const canceled = applyTransition(
      waiting,
      transition({ step: 'publisher-signoff', transition: 'canceled' }),
    );
    expect(canceled.state).toBe('Canceled');
    expect(canceled.steps.every((s) => s.state === 'NotStarted')).toBe(true);
  });

  it('goes Live when the last step succeeds', () => {
    expect(applyTransition(started(), transition({ step: 'live', transition: 'succeeded' })).state).toBe(
      'Live',
    );
  });

  it('leaves an ended submission ended: a later transition of it changes nothing', () => {
    const error = { step: 'validate-prerequisites' as const, code: 'internal', message: 'x', details: [] };
    const failed = applyTransition(started(), transition({ transition: 'failed', error }));
    const live = applyTransition(started(), transition({ step: 'live', transition: 'succeeded' }));
    const canceled = applyTransition(started(), transition({ transition: 'canceled' }));
    for (const ended of [failed, live, canceled])
      for (const late of [
        transition({ step: 'automated-validation', transition: 'started' }),
        transition({ step: 'publisher-signoff', transition: 'waiting' }),
        transition({ step: 'live', transition: 'succeeded' }),
      ])
        expect(applyTransition(ended, late)).toBe(ended);
  });

  it('ignores a late transition of an earlier submission', () => {
    const status = started();
    expect(applyTransition(status, transition({ submissionId: '0', transition: 'failed' }))).toBe(status);
  });
});
