import { ConfigError, loadConfig } from '../../shared/config';

describe('loadConfig', () => {
  it('applies the documented defaults to a local connection string', () => {
    const config = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
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
    expect(() => loadConfig({ AzureWebJobsStorage: 'x', WEBSITE_HOSTNAME: 'app.azurewebsites.net' })).toThrow(
      /WEBSITE_AUTH_ENABLED/,
    );
  });
});

describe('loadConfig under Core Tools', () => {
  it('treats a localhost WEBSITE_HOSTNAME as local', () => {
    expect(() => loadConfig({ AzureWebJobsStorage: 'x', WEBSITE_HOSTNAME: 'localhost:7071' })).not.toThrow();
  });
});
