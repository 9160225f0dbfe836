import { z } from 'zod';

/**
 * Every setting the app reads, parsed once. Nothing reads process.env at module load:
 * the composition root calls loadConfig() on first use and passes values down.
 */
const isoDuration = z
  .string()
  .regex(
    /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
    'an ISO 8601 duration such as PT1H',
  );
const intFromString = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const settingsSchema = z.object({
  /** Storage for Tables and Blobs: a connection string, or identity-based `__*ServiceUri` settings. */
  AzureWebJobsStorage: z.string().min(1).optional(),
  AzureWebJobsStorage__blobServiceUri: z.url().optional(),
  AzureWebJobsStorage__tableServiceUri: z.url().optional(),
  AzureWebJobsStorage__queueServiceUri: z.url().optional(),
  AzureWebJobsStorage__credential: z.literal('managedidentity').optional(),
  AzureWebJobsStorage__clientId: z.string().min(1).optional(),
  /** Base URL that links in emails and the status (statusUrl, preview) are built from. */
  PUBLIC_BASE_URL: z.url().default('http://localhost:7071'),
  PACKAGE_VALIDATION_TIMEOUT: isoDuration.default('PT1H'),
  SIGNOFF_REMINDER_INTERVAL: isoDuration.default('P3D'),
  REVIEW_SLA_BUSINESS_DAYS: intFromString(7, 1, 60),
  REVIEW_ESCALATION_EMAIL: z.email().default('marketplace-reviews@example.com'),
  SUPPORT_URL: z.url().default('https://support.example.com/marketplace'),
  ACS_EMAIL_ENDPOINT: z.url().optional(),
  ACS_EMAIL_CONNECTION_STRING: z.string().min(1).optional(),
  ACS_EMAIL_SENDER: z.email().default('DoNotReply@marketplace.example.com'),
  /** Client id of the user-assigned managed identity (Azure only). */
  AZURE_CLIENT_ID: z.string().min(1).optional(),
  MAX_PACKAGE_BYTES: intFromString(200 * 1024 * 1024, 1, 2 ** 40),
  MAX_ARTIFACT_BYTES: intFromString(10 * 1024 * 1024, 1, 2 ** 32),
  MAX_JSON_BODY_BYTES: intFromString(1024 * 1024, 1, 2 ** 30),
  TEST_DRIVE_PROBE_TIMEOUT_MS: intFromString(10_000, 1, 600_000),
  LEAD_DELIVERY_TIMEOUT_MS: intFromString(10_000, 1, 600_000),
  /** Set by App Service in Azure; the app trusts x-ms-client-principal there only when it is "true". */
  WEBSITE_HOSTNAME: z.string().optional(),
  WEBSITE_AUTH_ENABLED: z.enum(['true', 'false', 'True', 'False']).optional(),
});

/**
 * True on App Service. Core Tools and the local host set WEBSITE_HOSTNAME to localhost:<port>
 * (the durable client builds its links from it), so only a real host name means Azure.
 */
export function runsInAzure(settings: { WEBSITE_HOSTNAME?: string }): boolean {
  const host = settings.WEBSITE_HOSTNAME;
  return Boolean(host) && !/^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host ?? '');
}

type RawSettings = Partial<Record<keyof z.infer<typeof settingsSchema>, string>>;

/** Rules across settings; run on the raw values so they are reported with the per-field ones. */
function crossSettingProblems(s: RawSettings): string[] {
  const problems: string[] = [];
  const blobUri = s.AzureWebJobsStorage__blobServiceUri;
  const tableUri = s.AzureWebJobsStorage__tableServiceUri;
  if (!s.AzureWebJobsStorage && !blobUri && !tableUri) {
    problems.push(
      'AzureWebJobsStorage: set a connection string, or AzureWebJobsStorage__blobServiceUri and __tableServiceUri',
    );
  }
  if ((blobUri || tableUri) && !(blobUri && tableUri)) {
    problems.push(
      'AzureWebJobsStorage__tableServiceUri: identity-based storage needs both __blobServiceUri and __tableServiceUri',
    );
  }
  if (s.ACS_EMAIL_ENDPOINT && s.ACS_EMAIL_CONNECTION_STRING) {
    problems.push(
      'ACS_EMAIL_CONNECTION_STRING: set ACS_EMAIL_ENDPOINT (managed identity) or the connection string, not both',
    );
  }
  if (runsInAzure(s) && s.WEBSITE_AUTH_ENABLED?.toLowerCase() !== 'true') {
    problems.push(
      'WEBSITE_AUTH_ENABLED: in Azure the app trusts x-ms-client-principal only behind App Service Authentication; enable it',
    );
  }
  return problems;
}

export type Settings = z.infer<typeof settingsSchema>;

/** Names of every setting the app reads (the config test compares them with the sample and Bicep). */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof Settings)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * The default PUBLIC_BASE_URL: the local host's own address, on the port it listens on (PORT), so
 * statusUrl, preview links and emails name the right port when PORT is not 7071. A PORT that is not
 * a port number is left to the host to refuse; the links then fall back to 7071.
 */
export function localBaseUrl(port: string | undefined): string {
  const n = Number(port);
  return `http://localhost:${Number.isInteger(n) && n > 0 && n < 65536 ? n : 7071}`;
}

/** Parses every setting at once and reports every problem in one error. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Settings {
  const picked: RawSettings = Object.fromEntries(
    SETTING_NAMES.map((n) => [n, env[n] === '' ? undefined : env[n]]),
  );
  picked.PUBLIC_BASE_URL ??= localBaseUrl(env.PORT);
  const parsed = settingsSchema.safeParse(picked);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`)),
    ...crossSettingProblems(picked),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}
