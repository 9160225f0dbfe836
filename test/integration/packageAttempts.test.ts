/**
 * Issue 32 item 7: Event Grid retries a delivery that gets no answer within 30 s while the first
 * invocation goes on running, so deliveries are not failures. Here the package trigger's handler
 * runs on real Azurite stores with real zip bytes; a delivery "times out" by being left running
 * (its validation waits on a gate) while the next one is made, as Event Grid does after a cold
 * start with a slow validation. Only failed tries count: four slow deliveries and one transient
 * fault leave a good package Pending (then Passed), never `internal`. Tries whose process died
 * (they stop renewing their row) count as failures, so a crash loop still ends Failed.
 */
import { InvocationContext } from '@azure/functions';
import { validatePackageBlob } from '../../functions/validatePackageBlob';
import { CONTAINERS } from '../../shared/contracts/names';
import type { Offer } from '../../shared/domain/offer';
import type { Services } from '../../shared/services';
import { blobCreatedEvent } from '../support/blobEvents';
import { appIdFor, appJson, withOwnAppId, zipPackage } from '../support/packages';
import { testServices, uniqueOfferId } from '../steps/helpers';

let services: Services;
beforeAll(async () => {
  services = testServices();
  await services.storage.blobService.getContainerClient(CONTAINERS.packages).createIfNotExists();
});

async function offerWithPackage(prefix: string): Promise<string> {
  const offerId = uniqueOfferId(prefix);
  const at = new Date().toISOString();
  await services.offers.put({
    offerId,
    publisherId: 'contoso',
    createdAt: at,
    updatedAt: at,
    app: { id: appIdFor(offerId), name: 'Contoso Sales', publisher: 'Contoso', version: '1.2.0.0' },
  });
  await services.storage.blobService
    .getContainerClient(CONTAINERS.packages)
    .getBlockBlobClient(`${offerId}/p.zip`)
    .uploadData(zipPackage(withOwnAppId(appJson(), offerId)));
  return offerId;
}

const quiet = () =>
  new InvocationContext({ functionName: 'validatePackageBlob', logHandler: () => undefined });

/** Services whose offer read waits until the gate opens (a slow validation), counting the reads. */
function slowServices(gate: Promise<void>, reads: { count: number }): Services {
  return {
    ...services,
    offers: {
      ...services.offers,
      get: async (id: string): Promise<Offer | undefined> => {
        reads.count += 1;
        await gate;
        return services.offers.get(id);
      },
    },
  };
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!done()) throw new Error(`never: ${what}`);
}

const outcome = (work: Promise<unknown>) =>
  work.then(
    () => 'returned',
    () => 'threw',
  );

describe('deliveries Event Grid retried after 30 s without an answer', () => {
  it('are not failures: four slow deliveries and one fault leave a good package Pending, then Passed', async () => {
    const offerId = await offerWithPackage('slowdeliveries');
    const event = await blobCreatedEvent(CONTAINERS.packages, `${offerId}/p.zip`);
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const reads = { count: 0 };
    const slow = validatePackageBlob(slowServices(gate, reads), () => undefined);
    // Four deliveries, each made while the ones before it still run (no answer within 30 s).
    const running: Promise<string>[] = [];
    for (let n = 1; n <= 4; n++) {
      running.push(outcome(slow(event, quiet())));
      await until(`delivery ${n} validating`, () => reads.count === n);
    }
    // The fifth meets a fault (a cold start's storage hiccup): its first failure, not the fifth.
    const faulty: Services = {
      ...services,
      offers: { ...services.offers, get: () => Promise.reject(new Error('simulated fault')) },
    };
    const fifth = await outcome(validatePackageBlob(faulty, () => undefined)(event, quiet()));
    expect(fifth).toBe('threw'); // Event Grid retries it, if it has deliveries left
    const meanwhile = await services.packageReports.get(offerId);
    expect(meanwhile?.findings.map((f) => f.rule)).not.toContain('internal');
    expect(meanwhile?.state).toBe('Pending');

    open();
    expect(await Promise.all(running)).toEqual(['returned', 'returned', 'returned', 'returned']);
    expect(await services.packageReports.get(offerId)).toMatchObject({
      blobName: `${offerId}/p.zip`,
      state: 'Passed',
    });
  });

  it('settles Failed (internal) when the tries before the last died with their process', async () => {
    const offerId = await offerWithPackage('crashloop');
    const event = await blobCreatedEvent(CONTAINERS.packages, `${offerId}/p.zip`);
    let stop = (_: Error): void => undefined;
    const never = new Promise<void>((_, reject) => (stop = reject));
    never.catch(() => undefined);
    const reads = { count: 0 };
    const hung = validatePackageBlob(slowServices(never, reads), () => undefined);
    const dying: Promise<string>[] = [];
    for (let n = 1; n <= 4; n++) {
      dying.push(outcome(hung(event, quiet())));
      await until(`delivery ${n} validating`, () => reads.count === n);
    }
    // Ten minutes later (the next deliveries, as Event Grid spaces them): no try renewed its row
    // since, as when their process died.
    const later: Services = { ...services, now: () => new Date(Date.now() + 10 * 60_000) };
    const fifth = await outcome(validatePackageBlob(later, () => undefined)(event, quiet()));
    expect(fifth).toBe('returned');
    const settled = await services.packageReports.get(offerId);
    expect(settled?.state).toBe('Failed');
    expect(settled?.findings.map((f) => f.rule)).toEqual(['internal']);
    stop(new Error('the hung tries end with the test'));
    await Promise.all(dying);
  });
});
