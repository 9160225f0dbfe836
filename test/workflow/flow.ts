import { randomBytes } from 'node:crypto';
import type { RunningHost } from '../support/host';
import { asPerson } from '../support/principals';
import { appJson, withOwnAppId, zipPackage } from '../support/packages';
import { completeOffer, storefrontArtifacts } from '../support/scenario';

/** Drives the publishing workflow through the HTTP API of a running host, as the portal would. */

export const uniqueOfferId = (label: string) => `wf-${label}-${randomBytes(4).toString('hex')}`;

export { completeOffer };

export interface StepView {
  id: string;
  state: string;
  overdue?: boolean;
  message?: string;
}
export interface StatusView {
  submissionId: string | null;
  state: string;
  currentStep: string | null;
  steps: StepView[];
  error: { step: string; code: string; message: string; details: { path: string; message: string }[] } | null;
  actions: string[];
}
export interface NotificationView {
  to: string;
  subject: string;
  step: string | null;
  transition: string;
  status: string;
  /** The plain text of the email (api.md "Notifications read back"). */
  body?: string;
}

export function workflow(host: RunningHost, offerId: string) {
  const base = `/api/offers/${offerId}`;
  const ann = asPerson('ann');
  const api = {
    async putOffer(offer = completeOffer()) {
      const res = await host.request('PUT', base, withOwnAppId(offer, offerId), ann);
      expect([200, 201]).toContain(res.status);
    },
    /** The storefront artifacts step 5 checks: a 216x216 logo and one 1280x720 screenshot. */
    async uploadArtifacts() {
      for (const [name, bytes] of storefrontArtifacts()) {
        const res = await host.request('PUT', `${base}/artifacts/${name}`, bytes, {
          ...ann,
          'content-type': 'image/png',
        });
        expect(res.status).toBe(202);
      }
    },
    /** Offer, artifacts and a package that passed validation: everything Publish needs. */
    async prepare(offer = completeOffer()) {
      await api.putOffer(offer);
      await api.uploadArtifacts();
      await api.uploadPackage();
      expect(await api.waitForReport()).toBe('Passed');
    },
    async uploadPackage(manifest = appJson(), fileName = 'sales.zip') {
      const res = await host.request('PUT', `${base}/package`, zipPackage(withOwnAppId(manifest, offerId)), {
        ...ann,
        'content-type': 'application/zip',
        'x-file-name': fileName,
      });
      expect(res.status).toBe(202);
    },
    async reportState(): Promise<string | undefined> {
      const res = await host.request('GET', `${base}/package-validation`, undefined, ann);
      return res.status === 200 ? res.json<{ state: string }>().state : undefined;
    },
    async waitForReport(): Promise<string> {
      return eventually(async () => {
        const state = await api.reportState();
        return state && state !== 'Pending' ? state : undefined;
      }, 'a finished package report');
    },
    async publish(email = 'ann@contoso.com') {
      return host.request('POST', `${base}/publish`, { notificationEmail: email }, ann);
    },
    async status(): Promise<StatusView> {
      const res = await host.request('GET', `${base}/status`, undefined, ann);
      expect(res.status).toBe(200);
      return res.json<StatusView>();
    },
    async waitFor(state: string, step?: string): Promise<StatusView> {
      let last: StatusView | undefined;
      return eventually(
        async () => {
          const s = (last = await api.status());
          return s.state === state && (!step || s.currentStep === step) ? s : undefined;
        },
        `state ${state}${step ? ` at ${step}` : ''}`,
        () => `last status: ${JSON.stringify(last)}\nhost output (tail): ${host.output().slice(-4000)}`,
      );
    },
    goLive: () => host.request('POST', `${base}/go-live`, {}, ann),
    /** Publish, Go Live at sign-off, and wait until both reviews are awaited (step 7). */
    async publishToReview(): Promise<StatusView> {
      expect((await api.publish()).status).toBe(202);
      await api.waitFor('WaitingForPublisher');
      expect((await api.goLive()).status).toBe(202);
      return api.waitFor('WaitingForReview');
    },
    cancel: () => host.request('POST', `${base}/cancel`, {}, ann),
    review(
      area: 'marketing' | 'technical',
      outcome: 'approved' | 'rejected',
      extra: Record<string, unknown> = {},
    ) {
      const who = asPerson(area === 'marketing' ? 'mia' : 'tom');
      const body = { outcome, comments: outcome === 'rejected' ? 'Screenshots are blurry.' : 'ok', ...extra };
      return host.request('POST', `${base}/reviews/${area}`, body, who);
    },
    async notifications(): Promise<NotificationView[]> {
      const res = await host.request('GET', `${base}/notifications`, undefined, ann);
      expect(res.status).toBe(200);
      return res.json<{ notifications: NotificationView[] }>().notifications;
    },
    async history(): Promise<{ submissionId: string; step: string; state: string }[]> {
      const res = await host.request('GET', `${base}/history`, undefined, ann);
      expect(res.status).toBe(200);
      return res.json<{ events: { submissionId: string; step: string; state: string }[] }>().events;
    },
    /**
     * Until the submission's orchestration waits on a timer (the last event of its history). A step
     * change is written first and its email and webhook kick follow (design.md "A step change is
     * one write"), so the status shows a wait a moment before the orchestration has started the
     * wait's timer: an advance of the clock in that moment would pass no timer.
     */
    async waitingOnTimer(submissionId = '1') {
      const instance = `/runtime/webhooks/durabletask/instances/${offerId}-submission-${submissionId}`;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const res = await host.request('GET', `${instance}?showHistory=true`);
        const events = res.json<{ historyEvents?: { EventType: string }[] }>().historyEvents ?? [];
        if (events.at(-1)?.EventType === 'TimerCreated') return;
        if (Date.now() > deadline) throw new Error(`${instance} never waited on a timer`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async advanceClock(by: string) {
      const res = await host.request('POST', '/admin/clock/advance', { by });
      expect(res.status).toBeLessThan(300);
    },
  };
  return api;
}

/** Polls until `probe` returns a value; the workflow runs asynchronously in the host. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  explain: () => string = () => '',
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The transitions of one submission as `step:transition`, in order. */
export function transitionsOf(
  events: { submissionId: string; step: string; state: string }[],
  submissionId: string,
) {
  return events.filter((e) => e.submissionId === submissionId).map((e) => `${e.step}:${e.state}`);
}
