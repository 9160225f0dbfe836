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
/** A switch as App Service writes its own ("true" / "True"); kept as text so raw and parsed settings read alike. */
const booleanText = z.enum(['true', 'false', 'True', 'False']).optional();

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
  /**
   * Whether the Test Drive probe and lead deliveries may call loopback addresses over http (to try
   * the steps against local servers). Unset: on off Azure, off in Azure; infra sets "false".
   */
  OUTBOUND_ALLOW_LOOPBACK: z.stringbool().optional(),
  /** Set by App Service in Azure; the app trusts x-ms-client-principal there only when it is "true". */
  WEBSITE_HOSTNAME: z.string().optional(),
  WEBSITE_AUTH_ENABLED: booleanText,
  /**
   * "true": App Service Authentication is in front of the app. infra/ sets it beside the
   * authsettingsV2 resource that turns authentication on (see identitySource).
   */
  APP_SERVICE_AUTH_ENABLED: booleanText,
  /**
   * "true": local mode. The local host (devhost/) sets it itself; nothing else should (see
   * identitySource and docs/operations.md, "Local mode").
   */
  LOCAL_MODE: booleanText,
});

/**
 * True on App Service. Core Tools and the local host set WEBSITE_HOSTNAME to localhost:<port>
 * (the durable client builds its links from it), so only a real host name means Azure.
 */
export function runsInAzure(settings: { WEBSITE_HOSTNAME?: string }): boolean {
  const host = settings.WEBSITE_HOSTNAME;
  return Boolean(host) && !/^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host ?? '');
}

/** The settings that say who vouches for the caller's identity, raw or parsed (both are text). */
export interface IdentitySettings {
  WEBSITE_HOSTNAME?: string;
  WEBSITE_AUTH_ENABLED?: string;
  APP_SERVICE_AUTH_ENABLED?: string;
  LOCAL_MODE?: string;
}

const isOn = (value: string | undefined) => value?.toLowerCase() === 'true';
const isOff = (value: string | undefined) => value?.toLowerCase() === 'false';

/**
 * Who vouches for x-ms-client-principal (design.md, "Identity and roles"):
 * - App Service Authentication, when infra/ says it turned it on (APP_SERVICE_AUTH_ENABLED) or the
 *   platform does (WEBSITE_AUTH_ENABLED, documented for App Service, not promised on Flex
 *   Consumption), and the platform does not say it is off;
 * - local mode, when the local host turned it on (LOCAL_MODE), never in Azure and never beside
 *   App Service Authentication: the header and unsigned local tokens are trusted as sent;
 * - nobody otherwise: the configuration is invalid and every route answers 503.
 */
export function identitySource(s: IdentitySettings): 'appServiceAuthentication' | 'localMode' | undefined {
  if (!isOff(s.WEBSITE_AUTH_ENABLED) && (isOn(s.APP_SERVICE_AUTH_ENABLED) || isOn(s.WEBSITE_AUTH_ENABLED)))
    return 'appServiceAuthentication';
  if (isOn(s.LOCAL_MODE) && !runsInAzure(s)) return 'localMode';
  return undefined;
}

/** True in local mode: identity trusted as sent, local tokens minted, the "Sign in as" picker shown. */
export function localMode(s: IdentitySettings): boolean {
  return identitySource(s) === 'localMode';
}

/** The setting to name when nobody vouches for the identity header. */
function identityProblems(s: IdentitySettings): string[] {
  if (identitySource(s)) return [];
  if (isOff(s.WEBSITE_AUTH_ENABLED)) {
    return [
      'WEBSITE_AUTH_ENABLED: App Service says its authentication is off, so the app trusts no identity header; enable App Service Authentication (authsettingsV2)',
    ];
  }
  if (runsInAzure(s)) {
    return [
      'APP_SERVICE_AUTH_ENABLED: in Azure the app trusts x-ms-client-principal only behind App Service Authentication; infra/ sets this setting to true beside authsettingsV2',
    ];
  }
  return [
    'LOCAL_MODE: nothing vouches for the identity header here: local mode is off (the local host, npm start, turns it on itself) and App Service Authentication is not on (APP_SERVICE_AUTH_ENABLED)',
  ];
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
  problems.push(...identityProblems(s));
  if (runsInAzure(s)) problems.push(...azureProblems(s));
  return problems;
}

/**
 * What Azure adds (beside App Service Authentication, identityProblems): storage through the
 * managed identity (the account has no shared key), one identity named consistently, and public
 * links over https.
 */
function azureProblems(s: RawSettings): string[] {
  const problems: string[] = [];
  if (s.AzureWebJobsStorage && s.AzureWebJobsStorage__blobServiceUri) {
    problems.push(
      'AzureWebJobsStorage: set the identity-based AzureWebJobsStorage__*ServiceUri settings or a connection string, not both',
    );
  }
  if (s.AzureWebJobsStorage__blobServiceUri && !s.AzureWebJobsStorage__clientId) {
    problems.push(
      "AzureWebJobsStorage__clientId: identity-based storage needs the user-assigned identity's client id",
    );
  }
  const storageIdentity = s.AzureWebJobsStorage__clientId;
  if (storageIdentity && s.AZURE_CLIENT_ID && s.AZURE_CLIENT_ID !== storageIdentity) {
    problems.push(
      'AZURE_CLIENT_ID: names another identity than AzureWebJobsStorage__clientId; the app has one identity',
    );
  }
  if (s.PUBLIC_BASE_URL && !s.PUBLIC_BASE_URL.toLowerCase().startsWith('https://')) {
    problems.push("PUBLIC_BASE_URL: links sent to publishers must use the app's https address in Azure");
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
  // In Azure the app's own address is the natural base of its links, not the local default.
  if (runsInAzure(picked) && !picked.PUBLIC_BASE_URL)
    picked.PUBLIC_BASE_URL = `https://${picked.WEBSITE_HOSTNAME}`;
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

export interface SettingsCheck {
  healthy: boolean;
  /** One line per problem, each starting with the setting's name; never a value. */
  problems: string[];
}

/** loadConfig without the throw: what the start-up report and the health route show. */
export function checkSettings(env: Record<string, string | undefined> = process.env): SettingsCheck {
  try {
    loadConfig(env);
    return { healthy: true, problems: [] };
  } catch (error) {
    if (error instanceof ConfigError) return { healthy: false, problems: error.problems };
    throw error;
  }
}
