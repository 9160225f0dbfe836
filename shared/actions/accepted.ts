/** What Go Live and Cancel answer with their 202 (api.md), whichever front door they came through. */
export interface Accepted {
  offerId: string;
  submissionId: string;
}
