import { completedReport, type PackageReport } from './package/report';

/**
 * Latest upload wins (design.md "Guarantees of the workflow"). The order of an offer's uploads is
 * a sequence the app assigns when it accepts an upload, the same for every door: PUT .../package
 * takes the next number when the request's first bytes arrive, POST .../package/upload-url when it
 * issues the URL, and the ingestion API when POST /submissions ships the configured main app. Each
 * accepted upload is written to its own blob, whose name carries the number (uploadBlobName), so no
 * upload overwrites another's bytes. The number travels into the upload's report, and the stored
 * report is replaced only by one of a later upload (compared under the row's ETag), so the order
 * holds whatever order commits and validations land in, for uploads a millisecond apart too. A blob
 * written straight to `{offerId}/{fileName}` (a direct SDK upload) has the number of its metadata
 * (`x-ms-meta-uploadsequence`) if the app issued it, else it is given the next number when its
 * event is handled (`sequenceSource: 'event'`). Events may be handled late and in any order, so
 * where such an upload is compared, storage's Last-Modified decides first when the two differ by a
 * second or more, and the numbers decide within one second: direct SDK uploads keep the
 * one-second resolution of their timestamps, uploads through the app do not.
 */
export const SEQUENCE_METADATA = 'uploadsequence';

/**
 * Every upload accepted through the app has its own blob (design.md "Latest upload wins": no upload
 * overwrites another's bytes). Its name carries the sequence taken when it was accepted:
 * `{offerId}/uploads/{sequence}/{fileName}`, written once, by the door that took the number (PUT
 * .../package, the upload URL, or the ingestion API's copy). The name the API shows and answers is
 * still `{offerId}/{fileName}` (the report's `blobName`); the report's `storedAs` names the blob.
 * A file name never holds a slash (shared/http/fileName.ts), so no upload through the API can
 * take such a name; a direct SDK upload to `{offerId}/{fileName}` is validated where it is.
 */
export function uploadBlobName(offerId: string, sequence: number, fileName: string): string {
  return `${offerId}/uploads/${sequence}/${fileName}`;
}

const UPLOAD_BLOB = /^([^/]+)\/uploads\/(\d{1,15})\/([^/]+)$/;

/** The parts of an upload's own blob name; undefined for any other name. */
export function parseUploadBlobName(
  blobName: string,
): { offerId: string; sequence: number; fileName: string; shownAs: string } | undefined {
  const match = UPLOAD_BLOB.exec(blobName);
  if (!match) return undefined;
  const [, offerId = '', digits = '', fileName = ''] = match;
  const sequence = Number(digits);
  if (sequence < 1) return undefined;
  return { offerId, sequence, fileName, shownAs: `${offerId}/${fileName}` };
}

/** The blob that holds the bytes a report describes (its own blob, or where a direct upload landed). */
export function storedBlobOf(report: Pick<PackageReport, 'blobName' | 'storedAs'>): string {
  return report.storedAs ?? report.blobName;
}

/** The blob's sequence from its metadata, if the app issued it (at most the offer's counter). */
export function issuedSequence(
  metadata: Record<string, string> | undefined,
  counter: number,
): number | undefined {
  const raw = metadata?.[SEQUENCE_METADATA];
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && n <= counter ? n : undefined;
}

/**
 * Whether `next` may replace `stored`. A later upload wins; for one upload (same sequence, blob
 * and ETag) a final report is never replaced by a Pending one. A stored report without a sequence
 * was written before sequences existed and is always replaced; a report without one never
 * replaces one that has a sequence.
 */
export function supersedes(next: PackageReport, stored: PackageReport | undefined): boolean {
  if (stored?.sequence === undefined) return true;
  if (next.sequence === undefined) return false;
  const direct = next.sequenceSource === 'event' || stored.sequenceSource === 'event';
  const [a, b] = [second(next.uploadedAt), second(stored.uploadedAt)];
  if (direct && a && b && a !== b) return a > b;
  if (next.sequence !== stored.sequence) return next.sequence > stored.sequence;
  if (next.blobName === stored.blobName && next.etag === stored.etag)
    return !(next.state === 'Pending' && stored.state !== 'Pending');
  // One number, two versions: a reused upload URL. The blob's current version is validated last.
  return true;
}

/** An ISO time to the second (Last-Modified has no finer resolution). */
function second(iso: string | undefined): string | undefined {
  return iso?.slice(0, 19);
}

/** The report of a blob over the size limit (design.md "Validation holds no package in memory"). */
export function tooLargeReport(input: {
  blobName: string;
  etag: string;
  size: number;
  limit: number;
  sequence: number;
  now: string;
}): PackageReport {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  const report = completedReport({
    blobName: input.blobName,
    etag: input.etag,
    now: input.now,
    findings: [
      {
        rule: 'package.too-large',
        severity: 'error',
        message: `The package is ${input.size} bytes (${mib(input.size)}); the limit is ${input.limit} bytes (${mib(input.limit)}). It was deleted without being read. Make the package smaller and upload it again.`,
        path: input.blobName,
      },
    ],
  });
  return { ...report, sequence: input.sequence };
}
