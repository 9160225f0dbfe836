/* global TextDecoder, Blob, Response, DecompressionStream */
/*
 * Just enough of a zip reader to take the storefront images out of the preview package: the
 * central directory, stored and deflated entries (the browser's DecompressionStream inflates).
 * No zip64: a preview package that needs it is shown without its images.
 */

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function findEnd(view) {
  const stop = Math.max(0, view.byteLength - 65557);
  for (let at = view.byteLength - 22; at >= stop; at--) if (view.getUint32(at, true) === EOCD) return at;
  return -1;
}

/** Entries of the archive: name → a function that resolves to the entry's bytes (a Blob). */
export function readZip(buffer) {
  const view = new DataView(buffer);
  const end = findEnd(view);
  const entries = new Map();
  if (end < 0) return entries;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const names = new TextDecoder();
  for (let i = 0; i < count && at + 46 <= view.byteLength; i++) {
    if (view.getUint32(at, true) !== CENTRAL) break;
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = names.decode(new Uint8Array(buffer, at + 46, nameLength));
    entries.set(name, () => entryBytes(buffer, view, local, method, compressed));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function entryBytes(buffer, view, local, method, compressed) {
  if (view.getUint32(local, true) !== LOCAL) throw new Error('not a zip entry');
  const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  const raw = new Blob([new Uint8Array(buffer, start, compressed)]);
  if (method === 0) return raw;
  if (method !== 8) throw new Error(`zip method ${method} is not supported`);
  return new Response(raw.stream().pipeThrough(new DecompressionStream('deflate-raw'))).blob();
}
