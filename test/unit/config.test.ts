import { ConfigError, identitySource, loadConfig, localMode } from '../../shared/config';

const LOCAL = { AzureWebJobsStorage: 'UseDevelopmentStorage=true', LOCAL_MODE: 'true' };
const problemsOf = (env: Record<string, string | undefined>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};
const namesOf = (env: Record<string, string | undefined>) => problemsOf(env).map((p) => p.split(':')[0]);

describe('loadConfig', () => {
  it('applies the documented defaults to a local connection string', () => {
    const config = loadConfig(LOCAL);
    expect(config.PACKAGE_VALIDATION_TIMEOUT).toBe('PT1H');
    expect(config.REVIEW_SLA_BUSINESS_DAYS).toBe(7);
    expect(config.MAX_PACKAGE_BYTES).toBe(200 * 1024 * 1024);
  });

  it('reports every problem in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PACKAGE_VALIDATION_TIMEOUT: 'an hour', REVIEW_SLA_BUSINESS_DAYS: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/AzureWebJobsStorage/);
    expect(problems).toMatch(/PACKAGE_VALIDATION_TIMEOUT/);
    expect(problems).toMatch(/REVIEW_SLA_BUSINESS_DAYS/);
  });

  it('refuses to trust the principal header in Azure without App Service Authentication', () => {
    expect(namesOf({ AzureWebJobsStorage: 'x', WEBSITE_HOSTNAME: 'app.azurewebsites.net' })).toContain(
      'APP_SERVICE_AUTH_ENABLED',
    );
  });
});

describe('loadConfig under the local host', () => {
  it('treats a localhost WEBSITE_HOSTNAME as local, in local mode', () => {
    expect(() => loadConfig({ ...LOCAL, WEBSITE_HOSTNAME: 'localhost:7071' })).not.toThrow();
    expect(localMode(loadConfig({ ...LOCAL, WEBSITE_HOSTNAME: 'localhost:7071' }))).toBe(true);
  });
});

describe('who vouches for the identity (issue 28 item 11, issue 32 item 9)', () => {
  it('is nobody outside the local host and App Service: the setting is named, every route answers 503', () => {
    // A container or Kubernetes: no WEBSITE_HOSTNAME, no App Service Authentication, no local host.
    expect(namesOf({ AzureWebJobsStorage: 'x' })).toEqual(['LOCAL_MODE']);
    expect(namesOf({ AzureWebJobsStorage: 'x', WEBSITE_HOSTNAME: 'localhost:7071' })).toEqual(['LOCAL_MODE']);
    expect(namesOf({ AzureWebJobsStorage: 'x', LOCAL_MODE: 'false' })).toEqual(['LOCAL_MODE']);
  });

  it('is local mode only where LOCAL_MODE is true, and never in Azure', () => {
    expect(identitySource({ LOCAL_MODE: 'true' })).toBe('localMode');
    expect(identitySource({ LOCAL_MODE: 'True', WEBSITE_HOSTNAME: 'localhost:7071' })).toBe('localMode');
    expect(identitySource({ LOCAL_MODE: 'true', WEBSITE_HOSTNAME: 'app.azurewebsites.net' })).toBeUndefined();
    expect(
      namesOf({ AzureWebJobsStorage: 'x', LOCAL_MODE: 'true', WEBSITE_HOSTNAME: 'app.azurewebsites.net' }),
    ).toContain('APP_SERVICE_AUTH_ENABLED');
  });

  it('is App Service Authentication when infra/ says so, whether or not Flex sets WEBSITE_AUTH_ENABLED', () => {
    const azure = {
      AzureWebJobsStorage__blobServiceUri: 'https://st.blob.core.windows.net/',
      AzureWebJobsStorage__tableServiceUri: 'https://st.table.core.windows.net/',
      AzureWebJobsStorage__clientId: 'id',
      WEBSITE_HOSTNAME: 'app.azurewebsites.net',
    };
    expect(problemsOf({ ...azure, APP_SERVICE_AUTH_ENABLED: 'true' })).toEqual([]);
    expect(problemsOf({ ...azure, WEBSITE_AUTH_ENABLED: 'True' })).toEqual([]);
    // The platform saying authentication is off wins over the app setting.
    expect(namesOf({ ...azure, APP_SERVICE_AUTH_ENABLED: 'true', WEBSITE_AUTH_ENABLED: 'False' })).toEqual([
      'WEBSITE_AUTH_ENABLED',
    ]);
    // Beside App Service Authentication, local mode stays off (no unsigned tokens, no picker).
    expect(identitySource({ LOCAL_MODE: 'true', APP_SERVICE_AUTH_ENABLED: 'true' })).toBe(
      'appServiceAuthentication',
    );
    expect(localMode({ LOCAL_MODE: 'true', APP_SERVICE_AUTH_ENABLED: 'true' })).toBe(false);
  });

  it('never quotes a value in the problem', () => {
    const problems = problemsOf({ AzureWebJobsStorage: 'secret-connection', LOCAL_MODE: 'nope' });
    expect(problems.join('\n')).not.toMatch(/secret-connection|nope/);
    expect(problems.map((p) => p.split(':')[0])).toContain('LOCAL_MODE');
  });
});
