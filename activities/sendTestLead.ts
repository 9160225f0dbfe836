import * as df from 'durable-functions';
import { ACTIVITIES } from '../shared/contracts/names';
import { StepOutcome, stepActivityInputSchema } from '../shared/contracts/activities';
import type { Offer } from '../shared/domain/offer';
import {
  DeliveryResult,
  LEAD_DELIVERY_FAILED,
  LeadRecord,
  describeDestination,
  testLead,
} from '../shared/domain/leads';
import type { BlobStore } from '../shared/ports/blobs';
import type { LeadStore } from '../shared/ports/stores';
import { LeadDelivery, createLeadDelivery } from '../shared/adapters/leads/delivery';
import { outboundPolicyOf } from '../shared/adapters/outbound';
import type { Settings } from '../shared/config';
import { getServices } from '../shared/services';
import { readSnapshot } from '../shared/notify/snapshot';

export interface SendTestLeadDeps {
  blobs: BlobStore;
  leads: LeadStore;
  deliver: LeadDelivery;
  now: () => Date;
}

function outcomeOf(record: LeadRecord, result: DeliveryResult): StepOutcome {
  if (result.delivered)
    return {
      outcome: 'succeeded',
      message: `Test lead ${record.leadId} delivered to ${record.destination}: look for it by searching for TEST_.`,
    };
  return {
    outcome: 'failed',
    code: LEAD_DELIVERY_FAILED,
    message: `The test lead could not be delivered to ${record.destination}. ${result.problem ?? ''} Fix the lead destination, then press Publish again.`,
    details: [{ path: 'leadDestination', message: result.problem ?? 'delivery failed' }],
  };
}

/** The offer as the submission started; the orchestrator wrote it before step 1, so absence is a fault (retried). */
async function offerSnapshot(blobs: BlobStore, name: string): Promise<Offer> {
  const snapshot = await readSnapshot(blobs, name);
  if (snapshot === undefined) throw new Error(`offer snapshot '${name}' not found`);
  return snapshot as Offer;
}

/**
 * Step 4: sends one test lead to the offer's lead destination and keeps the receipt in the Leads
 * table. Runs at least once: the lead id comes from (offer, submission), a row already marked
 * Delivered is not sent again, and a lead left Delivering by a crash is re-sent with the same id,
 * which the destination de-duplicates (insert-if-absent row, or the `x-lead-id` header).
 */
export function makeSendTestLead(deps: SendTestLeadDeps) {
  return async (rawInput: unknown): Promise<StepOutcome> => {
    const input = stepActivityInputSchema.parse(rawInput);
    const offer = await offerSnapshot(deps.blobs, input.snapshotBlobName);
    const destination = offer.leadDestination;
    if (!destination) return { outcome: 'skipped', message: 'No lead destination is configured.' };
    const lead = testLead({ ...input, offerName: offer.name });
    const earlier = await deps.leads.get(input.offerId, lead.leadId);
    if (earlier?.state === 'Delivered' && earlier.result) return outcomeOf(earlier, earlier.result);

    const record: LeadRecord = {
      offerId: input.offerId,
      leadId: lead.leadId,
      state: 'Delivering',
      destination: describeDestination(destination),
      lead,
      startedAt: deps.now().toISOString(),
    };
    await deps.leads.put(record);
    const result = await deps.deliver(destination, lead);
    const done: LeadRecord = {
      ...record,
      state: result.delivered ? 'Delivered' : 'Failed',
      result,
      completedAt: deps.now().toISOString(),
    };
    await deps.leads.put(done);
    return outcomeOf(done, result);
  };
}

/** This app's own storage, as a connection string or the table service URL (managed identity). */
function ownStorageOf(settings: Settings): string[] {
  return [settings.AzureWebJobsStorage, settings.AzureWebJobsStorage__tableServiceUri].filter(
    (v): v is string => Boolean(v),
  );
}

df.app.activity(ACTIVITIES.sendTestLead, {
  handler: (input: unknown) => {
    const services = getServices();
    const deliver = createLeadDelivery({
      timeoutMs: services.settings.LEAD_DELIVERY_TIMEOUT_MS,
      // Locally a publisher's "CRM" is usually Azurite on loopback, which speaks http; Azure refuses both.
      policy: outboundPolicyOf(services.settings),
      ownStorage: ownStorageOf(services.settings),
    });
    return makeSendTestLead({ blobs: services.blobs, leads: services.leads, deliver, now: services.now })(
      input,
    );
  },
});
