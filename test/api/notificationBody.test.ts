import { recordStepChange } from '../../activities/recordStepChange';
import { sendReminder } from '../../activities/sendReminder';
import { escalateReview } from '../../activities/escalateReview';
import { makeListNotifications } from '../../functions/listNotifications';
import type { RecordStepChangeInput } from '../../shared/contracts/activities';
import { CONTAINERS } from '../../shared/contracts/names';
import { notStartedStatus } from '../../shared/domain/status';
import { startSubmission } from '../../shared/domain/transitions';
import { call, context, request, seedOffer, seedStatus, at, testServices, uniqueOfferId } from './support';

const services = testServices();
const portal = (offerId: string) => `https://publish.example/api/portal#/offers/${offerId}`;
const AT = '2030-01-01T10:00:00.000Z';

/** The offer's name, as Publish puts it in the orchestration's input (the first change carries it). */
const names = new Map<string, string>();

async function submitted(offerId: string): Promise<string> {
  const offer = await seedOffer(services, offerId);
  if (offer.name) names.set(offerId, offer.name);
  const snapshotBlobName = `${offerId}/1/offer.json`;
  await services.blobs.upload(
    { container: CONTAINERS.submissions, name: snapshotBlobName },
    Buffer.from(JSON.stringify(offer)),
    'application/json',
  );
  await services.submissions.put({
    offerId,
    submissionId: '1',
    instanceId: `${offerId}-1`,
    state: 'Running',
    notificationEmail: 'ann@contoso.com',
    startedAt: AT,
    endedAt: null,
    error: null,
    snapshotBlobName,
  });
  await services.statuses.update(
    offerId,
    () => startSubmission(notStartedStatus(offerId, AT), '1', 'ann@contoso.com', AT),
    () => notStartedStatus(offerId, AT),
  );
  return snapshotBlobName;
}

/** A submission's first change as the orchestrator records it: step 1 ran and step 2 starts. */
function firstChange(offerId: string): RecordStepChangeInput {
  return {
    offerId,
    submissionId: '1',
    transitions: [
      { step: 'validate-prerequisites', transition: 'started', at: AT },
      { step: 'validate-prerequisites', transition: 'succeeded', at: AT },
      { step: 'automated-validation', transition: 'started', at: AT },
    ],
    ...(names.get(offerId) ? { offerName: names.get(offerId) } : {}),
  };
}

const list = async (offerId: string) =>
  (
    await call(
      makeListNotifications(services),
      request('GET', `offers/${offerId}/notifications`, { as: 'ann', params: { offerId } }),
    )
  ).body.notifications as Record<string, string>[];

describe('emails read back: body and portal links', () => {
  it('GET .../notifications carries each email’s plain text, which links to the portal page, not the JSON API', async () => {
    const offerId = uniqueOfferId('mail');
    await submitted(offerId);
    // Step 1 failing is one step change (its start and its failure): one email.
    await recordStepChange(services)({
      offerId,
      submissionId: '1',
      transitions: [
        { step: 'validate-prerequisites', transition: 'started', at: AT },
        {
          step: 'validate-prerequisites',
          transition: 'failed',
          at: AT,
          message: 'Fields are missing.',
          error: {
            step: 'validate-prerequisites',
            code: 'missing_fields',
            message: '1 offer field(s) are missing or invalid.',
            details: [{ path: 'summary', message: 'is required to publish' }],
          },
        },
      ],
    });
    const sent = await list(offerId);
    expect(sent).toHaveLength(1);
    for (const n of sent) {
      expect(typeof n.body).toBe('string');
      expect(n.body).toContain(portal(offerId));
      expect(n.body).not.toMatch(/\/api\/offers\//);
    }
    const failed = sent.find((n) => n.transition === 'failed')!;
    expect(failed.body).toContain('summary: is required to publish');
    // One email for step 1's start and failure: one step, so its subject and text name it once.
    expect(failed.body).toContain('step 1 of 9, Validate Prerequisites failed.');
    expect(failed.subject).not.toMatch(/\(steps? \d/);
  });

  it('reminders and escalations link to the portal too', async () => {
    const offerId = uniqueOfferId('mail');
    const snapshotBlobName = await submitted(offerId);
    await seedStatus(services, offerId, at('WaitingForPublisher', 'publisher-signoff'));
    await sendReminder(services)({ offerId, submissionId: '1', snapshotBlobName, reminder: 1, at: AT });
    await seedStatus(services, offerId, at('WaitingForReview', 'marketing-technical-validation'));
    await escalateReview(services)({
      offerId,
      submissionId: '1',
      snapshotBlobName,
      waitingSince: AT,
      businessDays: 7,
      at: AT,
    });
    const sent = await list(offerId);
    expect(sent.map((n) => n.transition).sort()).toEqual(['escalated', 'reminder']);
    for (const n of sent) expect(n.body).toContain(portal(offerId));
  });

  it('prints one console line per email sent, naming the recipient and subject; a retry prints none', async () => {
    const offerId = uniqueOfferId('mail');
    await submitted(offerId);
    const record = recordStepChange(services);
    const logged = context();
    const input = firstChange(offerId);
    await record(input, logged.context);
    await record(input, logged.context); // the runtime's retry
    const lines = logged.lines.filter((l) => l.startsWith('Email to '));
    expect(lines).toEqual([
      `Email to ann@contoso.com: "Contoso Sales Insights (${offerId}): step 2 of 9, Automated Application Validation started (steps 1-2)" (offer ${offerId})`,
    ]);
  });

  it('prints no console line in Azure, where the outbox table is the record', async () => {
    const inAzure = {
      ...services,
      settings: { ...services.settings, WEBSITE_HOSTNAME: 'app.azurewebsites.net' },
    };
    const offerId = uniqueOfferId('mail');
    await submitted(offerId);
    const logged = context();
    await recordStepChange(inAzure)(firstChange(offerId), logged.context);
    expect(logged.lines.filter((l) => l.startsWith('Email to '))).toEqual([]);
    expect(await list(offerId)).toHaveLength(1);
  });
});
