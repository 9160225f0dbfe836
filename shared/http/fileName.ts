const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const MAX_NAME = 200;

/**
 * A plain file name from a client's x-file-name: no folders (the blob name must stay under
 * `{offerId}/`), only letters, digits, dot, dash and underscore. When nothing usable is left,
 * the name follows the bytes: a zip is `package.zip`, anything else a Business Central `package.app`.
 */
export function packageFileName(header: string | null, bytes: Buffer): string {
  const base = (header ?? '').split(/[/\\]/).pop() ?? '';
  const plain = base
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, MAX_NAME);
  if (plain && !/^\.+$/.test(plain)) return plain;
  return bytes.subarray(0, 4).equals(ZIP_MAGIC) ? 'package.zip' : 'package.app';
}
