import { randomBytes } from 'node:crypto';
import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import { ACTIVITIES } from '../shared/contracts/names';
import {
  RecordTransitionResult,
  recordStepChangeInputSchema,
  type RecordStepChangeInput,
} from '../shared/contracts/activities';
import type { ChangeContent, ChangeOutcome } from '../shared/adapters/tables/timeline';
import { changeEmail } from '../shared/domain/notifications';
import { notStartedStatus, OfferStatus, type ReviewDecision } from '../shared/domain/status';
import { reviewDecidedEvent } from '../shared/domain/webhooks';
import {
  changeKey,
  changesListedColumns,
  endsReview,
  endsSubmission,
  headTransition,
  newlyShownDecisions,
  withDecisions,
  transitionOf,
  type StepChange,
} from '../shared/domain/stepChange';
import { snapshotBlobNameFor } from '../shared/domain/workflow';
import { claimKey } from '../shared/domain/appClaims';
import type { OfferEventInput, WebhookDispatch } from '../shared/ports/offerEvents';
import { eventEntity } from '../shared/adapters/tables/offerEvents';
import type { KnownStatus } from '../shared/ports/stores';
import { localEcho, emailLine, sendQueued } from '../shared/notify/delivery';
import { mailLinks, readSnapshot } from '../shared/notify/snapshot';
import { getServices, Services } from '../shared/services';
import { dispatchOf } from '../shared/webhooks/client';

type Deps = Pick<
  Services,
  | 'timeline'
  | 'outbox'
  | 'blobs'
  | 'email'
  | 'settings'
  | 'appClaims'
  | 'offerIndex'
  | 'activeSubmissions'
  | 'decisions'
> & {
  /**
   * Tells the webhook deliveries the offer has new events (needs a durable client). Without it the
   * events are stored all the same and go out with the offer's next kick.
   */
  webhookKick?: Pick<WebhookDispatch, 'kick'>;
};

/**
 * Every step change goes through here (design.md "A step change is one write"): the status, a
 * history row per transition, the submission record, the one email and the webhook events land in
 * one transaction of the offer's timeline partition (shared/adapters/tables/timeline.ts). What
 * derives from it follows, each step repeatable: the offer lists (only when a listed column
 * changed), the app-id claim of a submission that ended, the email's send, and the webhooks'
 * kick. A retry (the runtime runs an activity at least once) finds the change written and only
 * finishes what follows it.
 */
export function recordStepChange(deps: Deps) {
  return async (raw: unknown, context?: InvocationContext): Promise<RecordTransitionResult> => {
    const input = recordStepChangeInputSchema.parse(raw);
    const change = stepChangeOf(input);
    const offerName = input.offerName;
    // Read before the write: the decisions a review request stored (each before telling the
    // orchestration), which this change shows if the request has not yet.
    const decisions = endsReview(change)
      ? await deps.decisions.list(change.offerId, change.submissionId)
      : [];
    const outcome = await deps.timeline.record(
      change,
      () => notStartedStatus(change.offerId, headTransition(change).at),
      contentOf(deps, change, { offerName, preview: input.preview?.blobName }, decisions),
    );
    return after(deps, change, outcome, context);
  };
}

export function stepChangeOf(input: RecordStepChangeInput): StepChange {
  return { offerId: input.offerId, submissionId: input.submissionId, transitions: input.transitions };
}

/**
 * The preview step 5 wrote, linked by the change that ends step 5: its blob and a new hidekey (a
 * secret: it lives in the status only). Minted once: a retry finds the change already written.
 */
function linkPreview(status: OfferStatus, blobName: string | undefined): Partial<OfferStatus> {
  if (!blobName || (status.hidekey && status.previewBlobName === blobName)) return {};
  return { hidekey: randomBytes(32).toString('base64url'), previewBlobName: blobName };
}

function contentOf(
  deps: Deps,
  change: StepChange,
  given: { offerName: string | undefined; preview: string | undefined },
  decisions: ReviewDecision[],
): ChangeContent {
  const links = mailLinks(deps);
  const { offerName, preview } = given;
  return {
    enrich: (status) => ({
      ...(offerName ? { offerName } : {}),
      ...withDecisions(status, decisions),
      ...linkPreview(status, preview),
    }),
    email: (before, afterStatus) => {
      const to = afterStatus.notificationEmail ?? before.notificationEmail;
      if (!to) return undefined;
      const failure = transitionOf(change, 'failed');
      const mail = changeEmail(
        {
          offerId: change.offerId,
          ...(afterStatus.offerName ? { offerName: afterStatus.offerName } : {}),
          submissionId: change.submissionId,
          transitions: change.transitions,
          ...(failure?.error ? { error: failure.error } : {}),
        },
        links,
      );
      const head = headTransition(change);
      return {
        offerId: change.offerId,
        submissionId: change.submissionId,
        key: changeKey(change),
        to,
        subject: mail.subject,
        text: mail.text,
        step: head.step,
        transition: head.transition,
        sentAt: head.at,
      };
    },
    events: (before, afterStatus) => [
      ...newlyShownDecisions(before, afterStatus).map((d) => reviewDecidedEvent(change.submissionId, d)),
      ...changeEvents(change, afterStatus),
    ],
    eventEntity,
  };
}

/** The webhook events of a change (api.md "Webhooks"): the step change, and how it ended, if it did. */
export function changeEvents(change: StepChange, status: OfferStatus): OfferEventInput[] {
  const head = headTransition(change);
  const common = { submissionId: change.submissionId, at: head.at };
  const events: OfferEventInput[] = [
    {
      ...common,
      type: 'offer.submission.step-changed',
      data: {
        step: head.step,
        transition: head.transition,
        state: status.state,
        transitions: change.transitions.map((t) => ({ step: t.step, transition: t.transition, at: t.at })),
        ...(head.message ? { message: head.message } : {}),
      },
    },
  ];
  const state = status.state;
  const failure = transitionOf(change, 'failed');
  if (failure)
    events.push({
      ...common,
      type: 'offer.submission.failed',
      data: { step: failure.step, state, error: failure.error ?? null },
    });
  const cancel = transitionOf(change, 'canceled');
  if (cancel)
    events.push({ ...common, type: 'offer.submission.canceled', data: { step: cancel.step, state } });
  if (head.step === 'live' && head.transition === 'succeeded')
    events.push({
      ...common,
      type: 'offer.submission.live',
      data: { state, liveVersion: status.lastLiveVersion ?? null },
    });
  return events;
}

async function after(
  deps: Deps,
  change: StepChange,
  outcome: ChangeOutcome,
  context?: InvocationContext,
): Promise<RecordTransitionResult> {
  switch (outcome.kind) {
    case 'ended':
      context?.warn(
        `${change.offerId} submission ${change.submissionId} ended before ${changeKey(change)}: ignored`,
      );
      return { ended: outcome.end };
    case 'cancelRequested':
      return { cancelRequested: { actor: outcome.cancel.actor, at: outcome.cancel.at } };
    case 'stale':
      // Another submission is the offer's current one (this one was ended and the offer published
      // again): nothing of this one is shown any more, and its orchestration stops.
      context?.warn(
        `${change.offerId} submission ${change.submissionId} is no longer current at ${changeKey(change)}: ignored`,
      );
      return { ended: 'Failed' };
  }
  const { before, after: status, already } = outcome;
  // A retry also heals list rows a failed refresh of its first attempt left behind.
  if (already || changesListedColumns(before, status))
    await refreshLists(
      deps,
      change.offerId,
      outcome.revision ? { status, revision: outcome.revision } : undefined,
      context,
    );
  if (already || endsSubmission(before, status)) await ended(deps, change, before, status, context);
  if (outcome.notification && !already)
    localEcho(deps.settings, (line) => context?.log(line))?.(emailLine(outcome.notification));
  const notification = outcome.notification ?? (already ? await storedNotification(deps, change) : undefined);
  if (notification)
    await sendQueued(
      { outbox: deps.outbox, ...(deps.email ? { email: deps.email } : {}), log: (m) => context?.warn(m) },
      notification,
      already,
    );
  if (deps.webhookKick)
    await kickWebhooks(deps, deps.webhookKick, change.offerId, status.publisherId, context);
  return { lastLiveVersion: status.lastLiveVersion ?? null };
}

/**
 * The events are stored with the change; the kick only tells the deliveries. When it fails, the
 * offer is marked stale and the reconciler's stale pass kicks it again, so a submission never fails
 * for its webhooks. Only when the mark fails too (storage out) is the activity retried.
 */
async function kickWebhooks(
  deps: Deps,
  dispatch: Pick<WebhookDispatch, 'kick'>,
  offerId: string,
  publisherId: string | undefined,
  context?: InvocationContext,
): Promise<void> {
  try {
    await dispatch.kick(offerId, publisherId);
  } catch (error) {
    context?.warn(
      `webhooks of '${offerId}' not kicked (${String(error).slice(0, 200)}); the reconciler will`,
    );
    await deps.activeSubmissions.markStale(offerId, new Date().toISOString());
  }
}

async function storedNotification(deps: Deps, change: StepChange) {
  if (!deps.email) return undefined;
  return deps.outbox.get(change.offerId, changeKey(change));
}

/**
 * The offer lists follow the status. A failure does not fail the change (it is stored: failing
 * would only repeat it): the offer is marked stale and the reconciler rebuilds its rows.
 */
async function refreshLists(
  deps: Deps,
  offerId: string,
  known: KnownStatus | undefined,
  context?: InvocationContext,
): Promise<void> {
  try {
    await deps.offerIndex.refresh(offerId, known);
  } catch (error) {
    context?.warn(
      `index of '${offerId}' not refreshed (${String(error).slice(0, 200)}); the reconciler will`,
    );
    await deps.activeSubmissions.markStale(offerId, new Date().toISOString()).catch(() => undefined);
  }
}

/**
 * The submission ended: the reconciler need not watch it any longer, and the app id its step 2
 * claimed is free again unless it went live; if it went live, the catalogue learns the live
 * version. A failed write throws and the activity is retried (the change itself is not written
 * twice); reconcileAppClaims repairs the rest.
 */
async function ended(
  deps: Deps,
  change: StepChange,
  before: OfferStatus,
  status: OfferStatus,
  context?: InvocationContext,
) {
  if (status.submissionId !== change.submissionId) return;
  if (status.state === 'Failed' || status.state === 'Canceled') {
    const appId = await snapshotAppId(deps, change.offerId, change.submissionId);
    if (appId) await deps.appClaims.release(appId, change.offerId, change.submissionId);
  }
  if (status.state === 'Live') await recordLive(deps, change, before, status);
  if (status.state === 'Failed' || status.state === 'Canceled' || status.state === 'Live')
    await deps.activeSubmissions.clear(change.offerId, change.submissionId).catch((error: unknown) => {
      context?.warn(
        `watch row of '${change.offerId}' not removed (${String(error).slice(0, 200)}); the reconciler will`,
      );
    });
}

/**
 * The catalogue learns the live version (dependencies, app ids); step 2 matched the app id with the
 * snapshot. The claim step 2 took becomes the offer's live hold; when the previous live version
 * had another app id, that id is released (the claim moves with the live version). Each write is
 * repeatable: a retry, which finds the change applied, makes them again.
 */
async function recordLive(deps: Deps, change: StepChange, before: OfferStatus, status: OfferStatus) {
  const live = change.transitions.find((t) => t.live)?.live;
  const { offerId, submissionId } = change;
  if (!live?.version || status.liveSubmissionId !== submissionId) return;
  const appId = live.appId ?? (await snapshotAppId(deps, offerId, submissionId));
  if (!appId) return;
  const at = headTransition(change).at;
  // The catalogue's live version and the claim turned into the live hold: one transaction.
  await deps.appClaims.holdLive(appId, offerId, submissionId, at, {
    version: live.version,
    livePackage: live.livePackage,
  });
  // The live submission before this one, as the change that replaced it saw it.
  const previousLive = before.liveSubmissionId;
  if (!previousLive || previousLive === submissionId) return;
  const previousId = await snapshotAppId(deps, offerId, previousLive);
  if (previousId && claimKey(previousId) !== claimKey(appId))
    await deps.appClaims.releaseLive(previousId, offerId);
}

async function snapshotAppId(deps: Deps, offerId: string, submissionId: string): Promise<string | undefined> {
  const snapshot = await readSnapshot(deps.blobs, snapshotBlobNameFor(offerId, submissionId));
  const appId = (snapshot as { app?: { id?: unknown } } | undefined)?.app?.id;
  return typeof appId === 'string' && appId !== '' ? appId : undefined;
}

df.app.activity(ACTIVITIES.recordStepChange, {
  extraInputs: [df.input.durableClient()],
  handler: (input: unknown, context: InvocationContext) => {
    const services = getServices();
    return recordStepChange({ ...services, webhookKick: dispatchOf(services, context) })(input, context);
  },
});
