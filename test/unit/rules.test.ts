import { Caller } from '../../shared/domain/identity';
import {
  actionsFor,
  assertCanPublish,
  assertCanReview,
  assertCancellable,
  goLiveNeeded,
} from '../../shared/domain/rules';
import { OfferStatus, notStartedStatus } from '../../shared/domain/status';
import { StepId } from '../../shared/domain/steps';
import { SubmissionState } from '../../shared/domain/states';

const NOW = '2026-11-25T10:00:00.000Z';
const owner: Caller = { name: 'ann@contoso.com', roles: ['Publisher'], publisherId: 'contoso' };
const otherPublisher: Caller = { name: 'bob@fabrikam.com', roles: ['Publisher'], publisherId: 'fabrikam' };
const marketing: Caller = { name: 'mia@market.example', roles: ['MarketingReviewer'] };
const technical: Caller = { name: 'tom@market.example', roles: ['TechnicalReviewer'] };
const admin: Caller = { name: 'root@market.example', roles: ['Admin'] };

function at(step: StepId, state: SubmissionState, extra: Partial<OfferStatus> = {}): OfferStatus {
  return { ...notStartedStatus('contoso-sales', NOW), submissionId: '1', currentStep: step, state, ...extra };
}

describe('publishing rules', () => {
  it('accepts Publish only when no submission is active', () => {
    expect(() => assertCanPublish(notStartedStatus('contoso-sales', NOW))).not.toThrow();
    expect(() => assertCanPublish(at('live', 'Live'))).not.toThrow();
    expect(() => assertCanPublish(at('publish', 'Failed'))).not.toThrow();
    expect(() => assertCanPublish(at('automated-validation', 'Running'))).toThrow(
      expect.objectContaining({ code: 'submission_active' }),
    );
  });

  it('refuses Cancel before publisher sign-off', () => {
    expect(() => assertCancellable(at('appsource-packaging', 'Running'))).toThrow(
      expect.objectContaining({ code: 'not_cancellable' }),
    );
  });

  it('accepts Cancel at sign-off and during review, and refuses it once publishing starts', () => {
    expect(() => assertCancellable(at('publisher-signoff', 'WaitingForPublisher'))).not.toThrow();
    expect(() => assertCancellable(at('marketing-technical-validation', 'WaitingForReview'))).not.toThrow();
    expect(() => assertCancellable(at('publish', 'Running'))).toThrow(
      expect.objectContaining({ code: 'not_cancellable' }),
    );
  });

  it('says plainly why Cancel is refused: not yet, or publishing has started', () => {
    const refusal = (status: OfferStatus) => {
      try {
        assertCancellable(status);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('Cancel was accepted');
    };
    for (const step of ['validate-prerequisites', 'appsource-packaging'] as const) {
      expect(refusal(at(step, 'Running'))).toMatch(/Cancel becomes possible at publisher sign-off/);
    }
    for (const step of ['publish', 'live'] as const) {
      expect(refusal(at(step, 'Running'))).toBe(
        'Publishing has started: this submission can no longer be canceled.',
      );
    }
    expect(refusal(notStartedStatus('contoso-sales', NOW))).toMatch(/no submission in progress/);
  });

  it('accepts Go Live only at sign-off, and answers a repeat the same way without a second transition', () => {
    expect(goLiveNeeded(at('publisher-signoff', 'WaitingForPublisher'))).toBe(true);
    expect(goLiveNeeded(at('publisher-signoff', 'WaitingForPublisher', { goLiveAt: NOW }))).toBe(false);
    expect(() => goLiveNeeded(at('automated-validation', 'Running'))).toThrow(
      expect.objectContaining({ code: 'not_at_signoff' }),
    );
  });

  it('takes one decision per review area, only during review', () => {
    const review = at('marketing-technical-validation', 'WaitingForReview');
    expect(() => assertCanReview(review, 'marketing')).not.toThrow();
    expect(() => assertCanReview(at('publisher-signoff', 'WaitingForPublisher'), 'marketing')).toThrow(
      expect.objectContaining({ code: 'not_in_review' }),
    );
    const decided = at('marketing-technical-validation', 'WaitingForReview', {
      reviews: {
        marketing: { area: 'marketing', outcome: 'approved', reviewer: 'mia', decidedAt: NOW },
      },
    });
    expect(() => assertCanReview(decided, 'marketing')).toThrow(
      expect.objectContaining({ code: 'already_decided' }),
    );
    expect(() => assertCanReview(decided, 'technical')).not.toThrow();
  });
});

describe('actions for the caller', () => {
  it('offers Go Live and Cancel to the owner at sign-off, and nothing to another publisher', () => {
    const status = at('publisher-signoff', 'WaitingForPublisher');
    expect(actionsFor(status, owner, 'contoso')).toEqual(['goLive', 'cancel']);
    expect(actionsFor(status, otherPublisher, 'contoso')).toEqual([]);
    expect(actionsFor(status, admin, 'contoso')).toEqual(['goLive', 'cancel']);
  });

  it('offers review only to a reviewer whose area is still open', () => {
    const status = at('marketing-technical-validation', 'WaitingForReview', {
      reviews: { marketing: { area: 'marketing', outcome: 'approved', reviewer: 'mia', decidedAt: NOW } },
    });
    expect(actionsFor(status, marketing, 'contoso')).toEqual([]);
    expect(actionsFor(status, technical, 'contoso')).toEqual(['review']);
    expect(actionsFor(status, owner, 'contoso')).toEqual(['cancel']);
  });

  it('offers Publish to the owner when idle', () => {
    expect(actionsFor(notStartedStatus('contoso-sales', NOW), owner, 'contoso')).toEqual(['publish']);
    expect(actionsFor(notStartedStatus('contoso-sales', NOW), marketing, 'contoso')).toEqual([]);
  });
});
