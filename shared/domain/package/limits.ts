/** Limits of design.md "Packages": an archive is hostile until proven otherwise. */
export const PACKAGE_LIMITS = {
  maxEntries: 10_000,
  maxTotalUncompressedBytes: 1024 ** 3,
  maxManifestBytes: 1024 ** 2,
  maxCompressionRatio: 100,
  /** Small entries compress well by nature (XML, JSON); the ratio counts only past this size. */
  compressionRatioFloorBytes: 100 * 1024,
} as const;

export const MANIFEST_FILES = { zip: 'app.json', app: 'NavxManifest.xml' } as const;
export type PackageFormat = keyof typeof MANIFEST_FILES;
