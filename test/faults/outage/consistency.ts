/**
 * What "consistent" means after a storage outage (design.md, Guarantees of the workflow; issue 21):
 * an offer whose status says a submission is in progress has a live orchestration behind it and
 * goes on when people act (Go Live, approvals), or it is Failed / Canceled / Live; no transition
 * is recorded or emailed twice; the offer list and the submissions list say what the status says.
 * Everything is read through the public API and the durable client's HTTP API of the host.
 */
import type { RunningHost } from '../../support/host';
import { asPerson } from '../../support/principals';
import type { StatusView } from '../../workflow/flow';

export const IDLE = ['NotStarted', 'Failed', 'Canceled', 'Live'];
const ann = asPerson('ann');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status, or undefined while the host answers 5xx (storage still failing somewhere). */
export async function readStatus(host: RunningHost, offerId: string): Promise<StatusView | undefined> {
  const res = await host
    .request('GET', `/api/offers/${offerId}/status`, undefined, ann)
    .catch(() => undefined);
  return res?.status === 200 ? res.json<StatusView>() : undefined;
}

/** Polls the status until `done` or `ms` pass; returns the last status seen (no timing is asserted). */
export async function settle(
  host: RunningHost,
  offerId: string,
  done: (s: StatusView) => boolean,
  ms: number,
): Promise<StatusView | undefined> {
  const deadline = Date.now() + ms;
  let last: StatusView | undefined;
  for (;;) {
    last = (await readStatus(host, offerId)) ?? last;
    if ((last && done(last)) || Date.now() > deadline) return last;
    await sleep(200);
  }
}

async function runtimeStatus(host: RunningHost, instanceId: string): Promise<string | undefined> {
  const res = await host.request('GET', `/runtime/webhooks/durabletask/instances/${instanceId}`);
  if (res.status === 404) return 'missing';
  return res.status < 300 ? res.json<{ runtimeStatus: string }>().runtimeStatus : undefined;
}

const instanceOf = (offerId: string, submissionId: string) => `${offerId}-submission-${submissionId}`;

/**
 * Drives an offer to Failed, Canceled or Live as its publisher and reviewers would (Go Live at
 * sign-off, approvals in review), checking on the way that an active status always has a running
 * orchestration. "Stuck" means no progress (no change of the status) for `idleMs`: a busy machine
 * is slow, not stuck. Returns the violations found (empty when consistent) and the final status.
 */
export async function finish(
  host: RunningHost,
  offerId: string,
  idleMs: number,
): Promise<{ violations: string[]; status?: StatusView }> {
  const violations: string[] = [];
  let deadline = Date.now() + idleMs;
  let orphanSince: number | undefined;
  let last: StatusView | undefined;
  let seen = '';
  while (Date.now() < deadline) {
    const s = await readStatus(host, offerId);
    if (!s) {
      await sleep(300);
      continue;
    }
    last = s;
    const now = JSON.stringify([s.state, s.currentStep, s.steps.map((step) => step.state)]);
    if (now !== seen) deadline = Date.now() + idleMs;
    seen = now;
    if (IDLE.includes(s.state)) return { violations, status: s };
    const runtime = s.submissionId
      ? await runtimeStatus(host, instanceOf(offerId, s.submissionId))
      : 'missing';
    if (runtime !== undefined && runtime !== 'Running' && runtime !== 'Pending') {
      // The reconciler was triggered by the clock advance: give its pass a moment to reach this offer.
      orphanSince ??= Date.now();
      if (Date.now() - orphanSince > 30_000) {
        violations.push(
          `status ${s.state} at ${s.currentStep} has no live orchestration (${runtime}) after the reconciler's pass`,
        );
        return { violations, status: s };
      }
    } else orphanSince = undefined;
    if (s.state === 'WaitingForPublisher' && s.actions.includes('goLive'))
      await host.request('POST', `/api/offers/${offerId}/go-live`, {}, ann).catch(() => undefined);
    if (s.state === 'WaitingForReview') {
      for (const [area, who] of [
        ['marketing', 'mia'],
        ['technical', 'tom'],
      ] as const)
        await host
          .request('POST', `/api/offers/${offerId}/reviews/${area}`, { outcome: 'approved' }, asPerson(who))
          .catch(() => undefined);
    }
    await sleep(400);
  }
  violations.push(
    `stuck: ${last ? `${last.state} at ${last.currentStep}` : 'no status readable'}, no progress for ${idleMs / 1000} s`,
  );
  return { violations, status: last };
}

/**
 * Waits (at most `ms`) until the orchestration behind an idle status has ended too: its last
 * activity may still be between its writes (status, then list rows) when the status reads Live.
 * Returns the status read afterwards.
 */
export async function quiet(
  host: RunningHost,
  offerId: string,
  status: StatusView,
  ms: number,
): Promise<StatusView> {
  if (!status.submissionId) return status;
  const deadline = Date.now() + ms;
  for (;;) {
    const runtime = await runtimeStatus(host, instanceOf(offerId, status.submissionId));
    if ((runtime !== 'Running' && runtime !== 'Pending') || Date.now() > deadline) break;
    await sleep(300);
  }
  return (await readStatus(host, offerId)) ?? status;
}

interface HistoryEvent {
  submissionId: string;
  step: string;
  state: string;
}
interface Notification {
  step: string | null;
  transition: string;
}
interface ListedOffer {
  offerId: string;
  state: string;
  currentStep: string | null;
}

/** Every offer in the publisher's list (all pages). */
export async function listedOffers(host: RunningHost): Promise<Map<string, ListedOffer>> {
  const offers = new Map<string, ListedOffer>();
  let continuation: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const query = continuation ? `&continuation=${encodeURIComponent(continuation)}` : '';
    const res = await host.request('GET', `/api/offers?top=200${query}`, undefined, ann);
    if (res.status !== 200) throw new Error(`GET /api/offers answered ${res.status}: ${res.text}`);
    const body = res.json<{ offers: ListedOffer[]; continuation: string | null }>();
    for (const offer of body.offers) offers.set(offer.offerId, offer);
    continuation = body.continuation;
    if (!continuation) break;
  }
  return offers;
}

/** The cross-checks of one idle offer: lists agree with the status; no transition or email twice. */
export async function crossCheck(
  host: RunningHost,
  offerId: string,
  status: StatusView,
  listed: Map<string, ListedOffer>,
): Promise<string[]> {
  const violations: string[] = [];
  const item = listed.get(offerId);
  if (!item) violations.push('missing from the offer list');
  else if (item.state !== status.state || item.currentStep !== status.currentStep)
    violations.push(
      `the offer list says ${item.state} at ${item.currentStep}, the status ${status.state} at ${status.currentStep}`,
    );
  const subs = await host.request('GET', `/api/offers/${offerId}/submissions`, undefined, ann);
  const submission = subs
    .json<{ submissions: { submissionId: string; state: string }[] }>()
    .submissions.find((s) => s.submissionId === status.submissionId);
  if (status.submissionId && submission?.state !== status.state)
    violations.push(`the submissions list says ${submission?.state}, the status ${status.state}`);

  const events = (await host.request('GET', `/api/offers/${offerId}/history`, undefined, ann)).json<{
    events: HistoryEvent[];
  }>().events;
  const transitions = events.map((e) => `${e.submissionId}/${e.step}:${e.state}`);
  const repeated = transitions.filter((t, i) => transitions.indexOf(t) !== i);
  if (repeated.length > 0) violations.push(`transitions recorded twice: ${repeated.join(', ')}`);
  const mails = (await host.request('GET', `/api/offers/${offerId}/notifications`, undefined, ann)).json<{
    notifications: Notification[];
  }>().notifications;
  // Each email is for one transition; over all submissions, a step:transition is emailed at most as
  // often as it happened.
  const happened = countBy(events.map((e) => `${e.step}:${e.state.toLowerCase()}`));
  for (const [key, sent] of countBy(mails.map((m) => `${m.step}:${m.transition.toLowerCase()}`)))
    if (sent > (happened.get(key) ?? 0))
      violations.push(`email ${key} sent ${sent} times for ${happened.get(key) ?? 0}`);
  return violations;
}

function countBy(items: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}
