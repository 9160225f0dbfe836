import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { servePortal } from '../../functions/portal';
import { locatePortalDir, servePortalAsset } from '../../functions/portalAsset';
import { RunningHost, startHost } from '../support/host';

const ROOT = path.resolve(__dirname, '../..');
const PORTAL_DIR = path.join(ROOT, 'portal');

function get(url: string, params: Record<string, string> = {}): HttpRequest {
  return new HttpRequest({ method: 'GET', url, params });
}

async function invoke(
  handler: ReturnType<typeof servePortalAsset>,
  request: HttpRequest,
): Promise<HttpResponseInit> {
  return (await handler(request, new InvocationContext())) as HttpResponseInit;
}

function header(response: HttpResponseInit, name: string): string | undefined {
  return (response.headers as Record<string, string> | undefined)?.[name];
}

describe('portal functions (no browser)', () => {
  it('finds the portal folder from source and from the compiled dist/functions folder', () => {
    expect(locatePortalDir(path.join(ROOT, 'functions'))).toBe(PORTAL_DIR);
    expect(locatePortalDir(path.join(ROOT, 'dist', 'functions'))).toBe(PORTAL_DIR);
  });

  it('serves the page as HTML with the mode and the paths filled in', async () => {
    const page = await invoke(
      servePortal({ isAzure: () => false, portalDir: PORTAL_DIR }),
      get('http://localhost:7071/api/portal'),
    );
    expect(page.status).toBe(200);
    expect(header(page, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(page, 'content-security-policy')).toContain("script-src 'self'");
    // Uploads may go straight to Azurite (the URL POST .../package/upload-url returns), nowhere else.
    expect(header(page, 'content-security-policy')).toContain(
      "connect-src 'self' http://127.0.0.1:* http://localhost:*;",
    );
    const html = String(page.body);
    expect(html).toContain('data-mode="local"');
    expect(html).toContain('data-api-base="/api"');
    expect(html).toContain('href="/api/portal/assets/portal.css"');
    expect(html).toContain('src="/api/portal/assets/portal.js"');
    expect(html).not.toMatch(/__[A-Z_]+__/);
  });

  it('tells the page it runs in Azure when the composition root says so', async () => {
    const page = await invoke(
      servePortal({ isAzure: () => true, portalDir: PORTAL_DIR }),
      get('https://app.example.net/api/portal/'),
    );
    expect(String(page.body)).toContain('data-mode="azure"');
    expect(String(page.body)).toContain('src="/api/portal/assets/portal.js"');
    expect(header(page, 'content-security-policy')).toContain(
      "connect-src 'self' https://*.blob.core.windows.net;",
    );
  });

  it('serves the stylesheet and the script with their content types and bytes', async () => {
    const handler = servePortalAsset({ portalDir: PORTAL_DIR });
    for (const [name, type] of [
      ['portal.css', 'text/css; charset=utf-8'],
      ['portal.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const res = await invoke(handler, get(`http://localhost/api/portal/assets/${name}`, { name }));
      expect(res.status).toBe(200);
      expect(header(res, 'content-type')).toBe(type);
      expect(header(res, 'x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(res.body as Buffer).equals(readFileSync(path.join(PORTAL_DIR, name)))).toBe(true);
    }
  });

  it('refuses path traversal and anything that is not a portal asset', async () => {
    const handler = servePortalAsset({ portalDir: PORTAL_DIR });
    const names = [
      '../package.json',
      '..\\package.json',
      '../../etc/passwd',
      '/etc/passwd',
      '..',
      'index.html',
      '.gitignore',
      'portal.js/../../package.json',
      'PORTAL.JS',
      'missing.js',
      '',
    ];
    for (const name of names) {
      const res = await invoke(handler, get('http://localhost/api/portal/assets/x', { name }));
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
      expect(JSON.stringify(res.jsonBody)).toContain('not_found');
    }
  });

  describe('through the local host, from dist/', () => {
    let host: RunningHost;

    beforeAll(async () => {
      // Azure's platform settings: the page must hide the picker, as decided at invocation.
      host = await startHost({
        main: 'dist/functions/portal*.js',
        env: { WEBSITE_HOSTNAME: 'offers.azurewebsites.net', WEBSITE_AUTH_ENABLED: 'true' },
      });
    });
    afterAll(async () => {
      await host?.stop();
    });

    it('serves the page and its assets', async () => {
      const page = await host.request('GET', '/api/portal');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('data-mode="azure"');
      const script = await host.request('GET', '/api/portal/assets/portal.js');
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(script.text).toBe(readFileSync(path.join(PORTAL_DIR, 'portal.js'), 'utf8'));
      const style = await host.request('GET', '/api/portal/assets/portal.css');
      expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    });

    it('refuses encoded path traversal in the asset route', async () => {
      for (const p of [
        '/api/portal/assets/..%2F..%2Fpackage.json',
        '/api/portal/assets/%2e%2e%2f%2e%2e%2fpackage.json',
        '/api/portal/assets/..%5C..%5Cpackage.json',
        '/api/portal/assets/index.html',
      ]) {
        const res = await host.request('GET', p);
        expect({ p, status: res.status }).toEqual({ p, status: 404 });
        expect(res.text).not.toContain('"devDependencies"');
      }
    });
  });
});
