/**
 * App-id claims (design.md, rule `manifest.app-id-taken`). An app id belongs to at most one offer:
 * the one where it is live, or the one whose submission in progress passed step 2 with it. A
 * claim is taken when step 2 passes (one conditional write, so of two offers racing for one id
 * exactly one gets it), released when that submission ends Failed or Canceled, held while the
 * offer is live with it, and moved when a later live version of the offer has another id. A
 * package report that merely passed claims nothing.
 */

/** Who holds an app id: an offer, with its submission in progress and/or its live submission. */
export interface AppIdClaim {
  appId: string;
  offerId: string;
  /** The submission that passed step 2 with this id and has not ended yet ('' when none). */
  submissionId: string;
  /** The offer's live submission that carries this id ('' when the offer is not live with it). */
  liveSubmissionId: string;
  claimedAt: string;
}

export type ClaimResult = { taken: true } | { taken: false; holder: AppIdClaim };

/** Whether a holder's submission is still in progress (read from its offer's status by the caller). */
export type SubmissionInProgress = (offerId: string, submissionId: string) => Promise<boolean>;

export interface AppIdClaims {
  /**
   * Claims `appId` for this submission of `offerId`: taken when free, already this offer's, or
   * held by another offer's submission that has ended (a release that never happened); refused
   * when another offer is live with it or has a submission in progress that claimed it.
   */
  claim(
    appId: string,
    offerId: string,
    submissionId: string,
    at: string,
    inProgress: SubmissionInProgress,
  ): Promise<ClaimResult>;
  /** Releases the claim of this submission (it ended Failed or Canceled); the live hold stays. Idempotent. */
  release(appId: string, offerId: string, submissionId: string): Promise<void>;
  /**
   * The submission went live with `appId`: the offer holds it while live. With `live`, the
   * catalogue's live version of the offer is written with the claim, in one transaction.
   */
  holdLive(
    appId: string,
    offerId: string,
    submissionId: string,
    at: string,
    live?: { version: string; livePackage: string },
  ): Promise<void>;
  /** The offer's live version no longer carries `appId` (a later version went live with another id). */
  releaseLive(appId: string, offerId: string): Promise<void>;
  get(appId: string): Promise<AppIdClaim | undefined>;
  /** Claims of submissions in progress (an index whose size is the number of such submissions). */
  pending(): Promise<AppIdClaim[]>;
}

/** App ids are GUIDs, written with or without braces and in either case. */
export function claimKey(appId: string): string {
  return appId.replace(/[{}]/g, '').trim().toLowerCase();
}

/** The finding of step 2 when another offer holds the id (the rule id of design.md). */
export function takenMessage(appId: string, holder: AppIdClaim): string {
  const how = holder.liveSubmissionId
    ? 'it is live there'
    : 'a submission of that offer in progress passed automated validation with it';
  return `App id ${appId} is held by offer "${holder.offerId}": ${how}. Each app needs its own id; generate a new GUID for app.json "id" (NavxManifest Id), or publish this app from that offer.`;
}
