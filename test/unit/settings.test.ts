import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, SETTING_NAMES } from '../../shared/config';
import { CONTAINERS, TABLES } from '../../shared/contracts/names';

const root = path.resolve(__dirname, '../..');
const infraDir = path.join(root, 'infra');

/** Settings the code reads that Bicep must not set, each with the reason. */
const NOT_IN_BICEP: Record<string, string> = {
  AzureWebJobsStorage:
    'the connection-string form is local-only; Azure uses the identity-based AzureWebJobsStorage__* settings',
  ACS_EMAIL_CONNECTION_STRING:
    'local alternative carrying an access key; Azure sends through ACS_EMAIL_ENDPOINT with the managed identity',
  WEBSITE_HOSTNAME: 'set by the platform in Azure',
  WEBSITE_AUTH_ENABLED: 'set by the platform when authsettingsV2 enables App Service Authentication',
  LOCAL_MODE: 'set by the local host (devhost/) only; never on in Azure',
};

/** Sample entries the app does not read through shared/config.ts. */
const SAMPLE_ONLY: Record<string, string> = {
  FUNCTIONS_WORKER_RUNTIME:
    'read by the Functions host; on Flex Consumption the runtime comes from functionAppConfig instead',
};

/** Bicep app settings the app does not read through shared/config.ts. */
const BICEP_ONLY: Record<string, string> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'read by the Functions host (ingestion endpoint)',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'read by the Functions host (Entra-authenticated telemetry)',
};

/** Names Flex Consumption refuses or the platform owns: setting them in Bicep breaks the deployment or auth. */
const PLATFORM_OWNED = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_HOSTNAME',
  'WEBSITE_AUTH_ENABLED',
];

function bicepFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(full);
    return entry.name.endsWith('.bicep') ? [full] : [];
  });
}

/** The text between the bracket at `open` and its match (strings and line comments skipped). */
function balancedBlock(text: string, open: number): string {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === "'") inString = false;
      continue;
    }
    if (c === "'") inString = true;
    else if (c === '/' && text[i + 1] === '/')
      i = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced block at offset ${open}`);
}

interface BicepSetting {
  name: string;
  /** The literal value when the setting is a plain string, otherwise undefined. */
  literal?: string;
  file: string;
}

/**
 * App settings declared in infra/**\/*.bicep: the top-level keys of every `appSettings = {...}` /
 * `appSettings: {...}` object, and the `name: '...'` entries of every `appSettings: [...]` array
 * (the siteConfig form).
 */
function bicepAppSettings(): BicepSetting[] {
  const settings: BicepSetting[] = [];
  for (const file of bicepFiles(infraDir)) {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(root, file);
    for (const m of text.matchAll(/\bappSettings\s*[:=]\s*([{[])/g)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      const block = balancedBlock(text, open);
      if (m[1] === '[') {
        for (const n of block.matchAll(/\bname:\s*'([^']+)'/g))
          settings.push({ name: n[1] ?? '', file: rel });
        continue;
      }
      let depth = 0;
      for (const line of block.split('\n')) {
        const code = line.replace(/'(?:[^'\\]|\\.)*'/g, "''").replace(/\/\/.*$/, '');
        if (depth === 0) {
          const key = /^\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:\s*(.*)$/.exec(line);
          if (key?.[1]) {
            const literal = /^'([^'$]*)'\s*(\/\/.*)?$/.exec(key[2]?.trim() ?? '');
            settings.push({ name: key[1], literal: literal?.[1], file: rel });
          }
        }
        depth += (code.match(/[{[(]/g) ?? []).length - (code.match(/[}\])]/g) ?? []).length;
      }
    }
  }
  return settings;
}

const sample = JSON.parse(fs.readFileSync(path.join(root, 'local.settings.sample.json'), 'utf8')) as {
  IsEncrypted: unknown;
  Values: Record<string, unknown>;
};
const sampleValues = sample.Values;
const bicep = bicepAppSettings();
const bicepNames = new Set(bicep.map((s) => s.name));
const settingNames = new Set<string>(SETTING_NAMES);

describe('local.settings.sample.json', () => {
  it('is an unencrypted local.settings.json with string values', () => {
    expect(sample.IsEncrypted).toBe(false);
    for (const [name, value] of Object.entries(sampleValues)) {
      expect([name, typeof value]).toEqual([name, 'string']);
    }
  });

  it('lists every setting the code reads', () => {
    const missing = SETTING_NAMES.filter((n) => !(n in sampleValues));
    expect(missing).toEqual([]);
  });

  it('lists nothing the code does not read, except the documented host settings', () => {
    const unknown = Object.keys(sampleValues).filter((n) => !settingNames.has(n) && !(n in SAMPLE_ONLY));
    expect(unknown).toEqual([]);
  });

  it('runs against Azurite with the Node worker', () => {
    expect(sampleValues.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
    expect(sampleValues.FUNCTIONS_WORKER_RUNTIME).toBe('node');
  });

  it('is a valid configuration as it stands', () => {
    // The local host adds LOCAL_MODE itself; the sample leaves it empty so nothing else turns it on.
    expect(sampleValues.LOCAL_MODE).toBe('');
    expect(() =>
      loadConfig({ ...(sampleValues as Record<string, string>), LOCAL_MODE: 'true' }),
    ).not.toThrow();
  });
});

describe('Bicep app settings', () => {
  it('are found in infra/', () => {
    expect(bicep.length).toBeGreaterThan(10);
  });

  it('set every setting the code reads, except the documented local-only and platform ones', () => {
    const missing = SETTING_NAMES.filter((n) => !(n in NOT_IN_BICEP) && !bicepNames.has(n));
    expect(missing).toEqual([]);
  });

  it('set nothing the code or the host does not read', () => {
    const unknown = [...bicepNames].filter((n) => !settingNames.has(n) && !(n in BICEP_ONLY));
    expect(unknown).toEqual([]);
  });

  it('leave the local-only and platform-owned settings alone', () => {
    const clashes = [...bicepNames].filter((n) => n in NOT_IN_BICEP || PLATFORM_OWNED.includes(n));
    expect(clashes).toEqual([]);
  });

  it('name only settings that shared/config.ts still reads in their exception lists', () => {
    const stale = Object.keys(NOT_IN_BICEP).filter((n) => !settingNames.has(n));
    expect(stale).toEqual([]);
  });

  it('use the managed identity for storage', () => {
    const literal = (name: string) => bicep.find((s) => s.name === name)?.literal;
    expect(literal('AzureWebJobsStorage__credential')).toBe('managedidentity');
    for (const n of ['AzureWebJobsStorage__blobServiceUri', 'AzureWebJobsStorage__tableServiceUri']) {
      expect([n, bicepNames.has(n)]).toEqual([n, true]);
    }
  });

  it('hold production values the config accepts', () => {
    const literals = Object.fromEntries(
      bicep.filter((s) => s.literal !== undefined).map((s) => [s.name, s.literal as string]),
    );
    expect(Object.keys(literals)).toContain('PACKAGE_VALIDATION_TIMEOUT');
    const azureLike = {
      AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net/',
      ...literals,
    };
    expect(() => loadConfig(azureLike)).not.toThrow();
  });

  it('pass the Azure-mode checks once the platform adds its own (host name, authentication)', () => {
    const literals = Object.fromEntries(
      bicep.filter((s) => s.literal !== undefined).map((s) => [s.name, s.literal as string]),
    );
    const identity = '11111111-2222-3333-4444-555555555555';
    const deployed = {
      ...literals,
      AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net/',
      AzureWebJobsStorage__queueServiceUri: 'https://st.queue.core.windows.net/',
      AzureWebJobsStorage__clientId: identity,
      AZURE_CLIENT_ID: identity,
      PUBLIC_BASE_URL: 'https://func-api-x.azurewebsites.net',
      WEBSITE_HOSTNAME: 'func-api-x.azurewebsites.net',
      WEBSITE_AUTH_ENABLED: 'true',
    };
    expect(() => loadConfig(deployed)).not.toThrow();
  });
});

describe('infra/', () => {
  const allBicep = bicepFiles(infraDir)
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
  const mainBicep = fs.readFileSync(path.join(infraDir, 'main.bicep'), 'utf8');

  it('never reads a key or a key-bearing connection string', () => {
    expect(allBicep).not.toMatch(
      /listKeys\(|listConnectionStrings\(|AccountKey=|SharedAccessKey|primaryKey/i,
    );
  });

  it('disables shared keys on storage and local auth on Application Insights', () => {
    expect(allBicep).toMatch(/allowSharedKeyAccess:\s*false/);
    expect(allBicep).toMatch(/DisableLocalAuth:\s*true/);
  });

  it('creates every table and blob container the app uses', () => {
    const missing = [...Object.values(TABLES), ...Object.values(CONTAINERS)].filter(
      (n) => !mainBicep.includes(`'${n}'`),
    );
    expect(missing).toEqual([]);
  });

  it('names every role assignment with guid(scope, principal, role)', () => {
    const assignments = [
      ...allBicep.matchAll(/'Microsoft\.Authorization\/roleAssignments@[^']+'[^{]*\{\s*name:\s*([^\n]+)/g),
    ];
    expect(assignments.length).toBeGreaterThanOrEqual(5);
    for (const a of assignments) expect(a[1]).toMatch(/^guid\([^,]+\.id, \w+, \w+\)$/);
  });
});

describe('infra/ as deployed (issue 14)', () => {
  const apiBicep = fs.readFileSync(path.join(infraDir, 'app', 'api.bicep'), 'utf8');
  const rbacBicep = fs.readFileSync(path.join(infraDir, 'app', 'rbac.bicep'), 'utf8');

  it('runs the Functions app on Node 22, the version package.json engines asks for', () => {
    const runtime = /runtime:\s*\{\s*name:\s*'node'\s*version:\s*'(\d+)'/.exec(apiBicep);
    expect(runtime?.[1]).toBe('22');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe('>=22');
  });

  it('lets unauthenticated requests reach the app, which answers 401 itself (previews stay anonymous)', () => {
    expect(apiBicep).toMatch(/unauthenticatedClientAction:\s*'AllowAnonymous'/);
    expect(apiBicep).toMatch(/requireAuthentication:\s*false/);
    expect(apiBicep).not.toMatch(/'Return401'|excludedPaths:/);
  });

  it('lets the identity sign user-delegation upload URLs', () => {
    expect(rbacBicep).toMatch(/'db58b8e5-c6ad-4a2a-8342-4190687cbf4a'/);
  });
});

describe('README.md "Configuration"', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  /** The backticked names in the first column of the tables of the Configuration section. */
  const documented = (() => {
    const start = readme.indexOf('\n## Configuration');
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    const firstCells = section
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .map((line) => line.split('|')[1] ?? '');
    return new Set(
      firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)].map((m) => m[1])),
    );
  })();

  it('lists every setting shared/config.ts reads', () => {
    expect(documented.size).toBeGreaterThan(10);
    expect(SETTING_NAMES.filter((n) => !documented.has(n))).toEqual([]);
  });

  it('lists every variable the local host reads itself (devhost/main.ts)', () => {
    const source = fs.readFileSync(path.join(root, 'devhost', 'main.ts'), 'utf8');
    const read = new Set([...source.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1] as string));
    expect([...read]).toEqual(expect.arrayContaining(['PORT', 'DEVHOST_LISTEN_HOST', 'DEVHOST_MAIN']));
    expect([...read].filter((n) => !documented.has(n))).toEqual([]);
  });
});
