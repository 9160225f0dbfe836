/**
 * infra/ as the operator meets it (issue 32, items 3, 5, 6, 8): the app roles file DEPLOY.md
 * applies, the azd mapping of the delivery clients, Flex's durable recommendations, and DEPLOY.md's
 * list of what main.bicep creates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROLES } from '../../shared/domain/identity';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface AppRole {
  allowedMemberTypes: string[];
  id: string;
  value: string;
  isEnabled: boolean;
}
const appRoles = JSON.parse(read('infra/app-roles.json')) as AppRole[];

/** The quoted names of a `var <name> = [ ... ]` array of main.bicep. */
function bicepArray(source: string, name: string): string[] {
  const match = new RegExp(`var ${name} = \\[([^\\]]*)\\]`).exec(source);
  if (!match) throw new Error(`main.bicep has no array ${name}`);
  return [...(match[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

describe('the app registration roles (infra/app-roles.json)', () => {
  it('has every role the API checks, for users and groups', () => {
    for (const role of ROLES)
      expect(appRoles.find((r) => r.value === role)?.allowedMemberTypes).toEqual(['User']);
  });

  it('has a role applications can hold, so Entra issues a client-credential token under "Assignment required"', () => {
    const forApps = appRoles.filter((r) => r.allowedMemberTypes.includes('Application'));
    expect(forApps.map((r) => r.value)).toEqual(['Delivery']);
    // The API gives a pipeline rights through its publisher-clients mapping, never through this role.
    expect((ROLES as readonly string[]).includes('Delivery')).toBe(false);
  });

  it('gives each role its own id and enables it', () => {
    expect(new Set(appRoles.map((r) => r.id)).size).toBe(appRoles.length);
    for (const r of appRoles) {
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.isEnabled).toBe(true);
    }
  });

  it('is applied, and the Delivery role assigned to each pipeline, by the documented steps', () => {
    for (const doc of ['infra/DEPLOY.md', 'docs/deliver-from-al-go.md']) {
      const text = read(doc);
      expect(text).toContain("appRoles[?value=='Delivery'].id");
      expect(text).toContain('appRoleAssignedTo');
    }
    expect(read('infra/DEPLOY.md')).toContain('--app-roles @infra/app-roles.json');
  });
});

describe('infra/ parameters and scaling', () => {
  const mainParameters = JSON.parse(read('infra/main.parameters.json')) as {
    parameters: Record<string, { value: string }>;
  };
  const apiBicep = read('infra/app/api.bicep');

  it('maps the delivery clients and the durable backend from azd variables', () => {
    expect(mainParameters.parameters.deliveryClientIds?.value).toBe('${DELIVERY_CLIENT_IDS}');
    expect(mainParameters.parameters.durableBackend?.value).toBe('${DURABLE_BACKEND=AzureStorage}');
  });

  it('always restricts Easy Auth to known client applications, the Azure CLI of the checks included', () => {
    expect(apiBicep).toMatch(
      /allowedApplications: union\(\[authClientId, azureCliClientId\], deliveryClientIds\)/,
    );
    expect(apiBicep).toContain("azureCliClientId = '04b07795-8ddb-461a-bbee-02f9e1bf7b46'");
    expect(apiBicep).not.toMatch(/empty\(deliveryClientIds\)/);
  });

  it('keeps an instance of the durable group always ready', () => {
    expect(apiBicep).toMatch(/alwaysReady: \[\s*\{\s*name: 'durable'\s*instanceCount: durableAlwaysReady/);
    expect(apiBicep).toMatch(/param durableAlwaysReady int = [1-9]/);
  });
});

describe('infra/DEPLOY.md', () => {
  const deploy = read('infra/DEPLOY.md');
  const mainBicep = read('infra/main.bicep');
  const storageRow = deploy.split('\n').find((l) => l.startsWith('| Storage account')) ?? '';

  it("lists exactly main.bicep's tables and containers", () => {
    const listed = (label: string) => {
      const part = new RegExp(`${label} ([^;]*)`).exec(storageRow)?.[1] ?? '';
      return [...part.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    };
    expect(listed('tables').sort()).toEqual(bicepArray(mainBicep, 'appTableNames').sort());
    expect(listed('containers').sort()).toEqual(
      [
        ...bicepArray(mainBicep, 'appContainerNames').filter((c) => c !== 'packagesContainerName'),
        'packages',
      ].sort(),
    );
  });
});
