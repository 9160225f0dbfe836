import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { CONTAINERS, FUNCTIONS, ORCHESTRATORS } from '../shared/contracts/names';
import { publishRequestSchema } from '../shared/contracts/api';
import { PublishInput, publishInputSchema } from '../shared/contracts/orchestration';
import type { Offer } from '../shared/domain/offer';
import { assertCanPublish } from '../shared/domain/rules';
import { notStartedStatus } from '../shared/domain/status';
import { instanceIdFor, startSubmission } from '../shared/domain/transitions';
import { offerRequest } from '../shared/http/access';
import { readJson } from '../shared/http/body';
import { guarded, json } from '../shared/http/errors';
import type { OrchestrationClient } from '../shared/http/orchestrations';
import { snapshotBlobNameFor } from '../shared/domain/workflow';
import { API_AUTH_LEVEL } from '../shared/http/registration';
import type { Clock } from '../shared/ports/stores';
import { Services, getServices } from '../shared/services';

export function statusUrlOf(baseUrl: string, offerId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/offers/${offerId}/status`;
}

/**
 * Claims the next submission id under the status row's ETag: of two concurrent Publish clicks
 * one wins and the other re-reads an active submission and gets 409 submission_active.
 */
async function claimSubmission(
  services: Services,
  offerId: string,
  email: string,
  now: string,
): Promise<string> {
  const status = await services.statuses.update(
    offerId,
    (current) => {
      assertCanPublish(current);
      const next = String(Number(current.submissionId ?? '0') + 1);
      return startSubmission(current, next, email, now);
    },
    () => notStartedStatus(offerId, now),
  );
  return status.submissionId ?? '';
}

/** A submission whose orchestration could not be started must not look active forever. */
async function markStartFailed(services: Services, offerId: string, submissionId: string, now: string) {
  await services.statuses.update(
    offerId,
    (current) =>
      current.submissionId === submissionId && current.state === 'Running'
        ? {
            ...current,
            state: 'Failed',
            error: {
              step: 'validate-prerequisites',
              code: 'start_failed',
              message: 'The submission could not be started. Press Publish again.',
              details: [],
            },
            updatedAt: now,
          }
        : undefined,
    () => notStartedStatus(offerId, now),
  );
}

function inputFor(
  services: Services,
  offer: Offer,
  submissionId: string,
  email: string,
  snapshot: string,
): PublishInput {
  const s = services.settings;
  return publishInputSchema.parse({
    offerId: offer.offerId,
    submissionId,
    snapshotBlobName: snapshot,
    notificationEmail: email,
    settings: {
      packageValidationTimeout: s.PACKAGE_VALIDATION_TIMEOUT,
      signoffReminderInterval: s.SIGNOFF_REMINDER_INTERVAL,
      reviewSlaBusinessDays: s.REVIEW_SLA_BUSINESS_DAYS,
    },
  });
}

/**
 * `clock` is the workflow's clock (the local host's one locally), so the submission's startedAt
 * agrees with its steps' times and its endedAt, however far the host clock was moved.
 */
export function makePublishOffer(services: Services, clock: Clock = services.clockFor(undefined)) {
  return guarded(
    async (
      request: HttpRequest,
      client: OrchestrationClient,
      _context: InvocationContext,
    ): Promise<HttpResponseInit> => {
      const { offerId, offer } = await offerRequest(request, services.offers, 'owner');
      const { notificationEmail } = await readJson(
        request,
        publishRequestSchema,
        services.settings.MAX_JSON_BODY_BYTES,
      );
      const now = (await clock.now()).toISOString();
      const submissionId = await claimSubmission(services, offerId, notificationEmail, now);
      try {
        // The running submission keeps this snapshot even when the draft is replaced meanwhile.
        const snapshot = snapshotBlobNameFor(offerId, submissionId);
        await services.blobs.upload(
          { container: CONTAINERS.submissions, name: snapshot },
          Buffer.from(JSON.stringify(offer)),
          'application/json',
        );
        const instanceId = instanceIdFor(offerId, submissionId);
        await services.submissions.put({
          offerId,
          submissionId,
          instanceId,
          state: 'Running',
          notificationEmail,
          startedAt: now,
          endedAt: null,
          error: null,
          snapshotBlobName: snapshot,
        });
        const input = inputFor(services, offer, submissionId, notificationEmail, snapshot);
        await client.startNew(ORCHESTRATORS.publishSubmission, { instanceId, input });
      } catch (error) {
        await markStartFailed(services, offerId, submissionId, (await clock.now()).toISOString());
        throw error;
      }
      const statusUrl = statusUrlOf(services.settings.PUBLIC_BASE_URL, offerId);
      return json(202, { submissionId, statusUrl }, { location: statusUrl });
    },
  );
}

df.app.client.http(FUNCTIONS.publishOffer, {
  route: 'offers/{offerId}/publish',
  methods: ['POST'],
  authLevel: API_AUTH_LEVEL,
  handler: guarded(async (request, client, context) => {
    // guarded: the clock is taken before the handler's own error mapping runs.
    const services = getServices();
    return makePublishOffer(services, services.clockFor(client.taskHubName))(request, client, context);
  }),
});
