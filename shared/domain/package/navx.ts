import { Finding, error } from './findings';

/**
 * The 40-byte little-endian header of a Business Central `.app`:
 * magic "NAVX", uint32 metadata size, uint32 metadata version, 16-byte package GUID,
 * int64 content length, magic again. The AL compiler writes size 40 and version 2; the GUID is a
 * per-build package id (not the app id), and a signature may follow the content.
 */
export const NAVX_HEADER_BYTES = 40;
export const NAVX_METADATA_VERSION = 2;
const MAGIC = 0x5856414e; // "NAVX" read as a little-endian uint32

export interface NavxHeader {
  packageId: string;
  contentLength: number;
}

export type NavxParse = { header: NavxHeader } | { finding: Finding };

export function startsWithNavxMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && view(bytes).getUint32(0, true) === MAGIC;
}

/** Reads the header of a file of `fileSize` bytes whose first 40 bytes are `bytes`. */
export function parseNavxHeader(bytes: Uint8Array, fileSize: number): NavxParse {
  if (bytes.length < NAVX_HEADER_BYTES) {
    return fail(
      'navx.content-length',
      `The file is ${fileSize} bytes, shorter than the 40-byte .app header.`,
    );
  }
  const v = view(bytes);
  if (v.getUint32(0, true) !== MAGIC || v.getUint32(36, true) !== MAGIC) {
    return fail(
      'navx.bad-magic',
      'The file is not a Business Central .app: its header does not start and end with "NAVX". Upload the .app the AL compiler produced.',
    );
  }
  const metadataSize = v.getUint32(4, true);
  const version = v.getUint32(8, true);
  if (metadataSize !== NAVX_HEADER_BYTES || version !== NAVX_METADATA_VERSION) {
    return fail(
      'navx.bad-version',
      `The .app header has metadata size ${metadataSize} and version ${version}; only size 40, version 2 (current AL compilers) is supported.`,
    );
  }
  const contentLength = v.getBigInt64(28, true);
  if (contentLength <= 0n || contentLength > BigInt(fileSize - NAVX_HEADER_BYTES)) {
    return fail(
      'navx.content-length',
      `The .app header declares ${contentLength} bytes of content but only ${fileSize - NAVX_HEADER_BYTES} follow it: the file is truncated or damaged. Upload it again.`,
    );
  }
  return { header: { packageId: guidText(bytes.subarray(12, 28)), contentLength: Number(contentLength) } };
}

function fail(rule: Finding['rule'], message: string): NavxParse {
  return { finding: error(rule, message) };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** .NET's Guid byte order: the first three groups are little-endian. */
function guidText(b: Uint8Array): string {
  const hex = (i: number) => (b[i] ?? 0).toString(16).padStart(2, '0');
  const group = (indexes: number[]) => indexes.map(hex).join('');
  return [
    group([3, 2, 1, 0]),
    group([5, 4]),
    group([7, 6]),
    group([8, 9]),
    group([10, 11, 12, 13, 14, 15]),
  ].join('-');
}
