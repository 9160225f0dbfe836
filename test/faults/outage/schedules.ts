/**
 * Generated outage schedules for the storage-outage suite. A schedule is one submission of one
 * offer (the path its people take) and one outage of that offer's storage: it starts at a chosen
 * moment (before Publish, Go Live, a review or a Cancel, then after `skip` more storage requests of
 * that offer) and lasts `times` refused requests, each refused by a reset connection or a 503 / 500
 * answer (or delayed). Counting refused requests instead of seconds makes an outage's length
 * independent of the machine's speed: the SDKs retry each operation 3 times with back-off, so 4
 * refused requests fail one operation of the app, and 40 fail about ten in a row.
 */
import fc from 'fast-check';
import type { Fault } from '../../support/storageProxy';

export type Moment = 'publish' | 'goLive' | 'review' | 'cancel' | 'upload';
export type Path = 'live' | 'cancelEarly' | 'cancelAtSignoff' | 'cancelInReview' | 'reject';
export type FaultKind = 'reset' | '503' | '500' | 'delay';

export interface OutageSchedule {
  path: Path;
  /** A package is uploaded again while the submission waits at sign-off. */
  uploadDuring: boolean;
  outage: { at: Moment; skip: number; times: number; kind: FaultKind };
}

export const outageSchedule: fc.Arbitrary<OutageSchedule> = fc.record({
  path: fc.constantFrom<Path>('live', 'live', 'cancelEarly', 'cancelAtSignoff', 'cancelInReview', 'reject'),
  uploadDuring: fc.boolean(),
  outage: fc.record({
    at: fc.constantFrom<Moment>('publish', 'publish', 'goLive', 'review', 'cancel', 'upload'),
    skip: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 60 })),
    times: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 40 })),
    kind: fc.constantFrom<FaultKind>('reset', 'reset', '503', '500', 'delay'),
  }),
});

export function faultOf(kind: FaultKind): Fault {
  if (kind === 'reset') return 'reset';
  if (kind === 'delay') return { delayMs: 300 };
  return { status: kind === '503' ? 503 : 500 };
}

/** Schedules in `npm test` and their seed; FAULTS_FUZZ_SCHEDULES / FAULTS_FUZZ_SEED for long runs. */
export function outageSettings(): { schedules: number; seed: number; perHost: number } {
  const schedules = Number(process.env.FAULTS_FUZZ_SCHEDULES ?? 200);
  const seed = Number(process.env.FAULTS_FUZZ_SEED ?? 20261201);
  const perHost = Number(process.env.FAULTS_FUZZ_CONCURRENCY ?? 12);
  return {
    schedules: Number.isFinite(schedules) && schedules > 0 ? schedules : 200,
    seed: Number.isFinite(seed) ? seed : 20261201,
    perHost: Number.isFinite(perHost) && perHost > 0 ? perHost : 12,
  };
}
