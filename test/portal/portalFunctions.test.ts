import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
    expect(html).toContain('<script type="module" src="/api/portal/assets/app.js"></script>');
    // A linked icon: the browser asks for no /favicon.ico (outside the API's route prefix).
    expect(html).toContain('<link rel="icon" href="/api/portal/assets/favicon.svg" type="image/svg+xml" />');
    // Thumbnails of chosen images and the preview package's images are blob: URLs.
    expect(header(page, 'content-security-policy')).toContain("img-src 'self' data: blob:;");
    expect(html).not.toMatch(/__[A-Z_]+__/);
  });

  it('tells the page it runs in Azure when the composition root says so', async () => {
    const page = await invoke(
      servePortal({ isAzure: () => true, portalDir: PORTAL_DIR }),
      get('https://app.example.net/api/portal/'),
    );
    expect(String(page.body)).toContain('data-mode="azure"');
    expect(String(page.body)).toContain('src="/api/portal/assets/app.js"');
    expect(header(page, 'content-security-policy')).toContain(
      "connect-src 'self' https://*.blob.core.windows.net;",
    );
  });

  it('serves the stylesheet and the script with their content types and bytes', async () => {
    const handler = servePortalAsset({ portalDir: PORTAL_DIR });
    for (const [name, type] of [
      ['portal.css', 'text/css; charset=utf-8'],
      ['app.js', 'text/javascript; charset=utf-8'],
      ['favicon.svg', 'image/svg+xml'],
    ] as const) {
      const res = await invoke(handler, get(`http://localhost/api/portal/assets/${name}`, { name }));
      expect(res.status).toBe(200);
      expect(header(res, 'content-type')).toBe(type);
      expect(header(res, 'x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(res.body as Buffer).equals(readFileSync(path.join(PORTAL_DIR, name)))).toBe(true);
    }
  });

  it('serves every module the page imports, from app.js down', async () => {
    const handler = servePortalAsset({ portalDir: PORTAL_DIR });
    const seen = new Set<string>();
    const queue = ['app.js'];
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      const res = await invoke(handler, get(`http://localhost/api/portal/assets/${name}`, { name }));
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
      const source = Buffer.from(res.body as Buffer).toString('utf8');
      for (const match of source.matchAll(/from '\.\/([^']+)'/g)) queue.push(match[1] as string);
    }
    // The views, each in its own module, and the shared helpers.
    for (const name of [
      'offers-view.js',
      'status-view.js',
      'editor-view.js',
      'preview-view.js',
      'api.js',
      'forms.js',
    ])
      expect(seen).toContain(name);
  });

  it('gives the page SUPPORT_URL for Get help, and offers Webhooks only where its module is deployed', async () => {
    const support = 'https://help.example.com/new?from="portal"&x=<1>';
    const page = await invoke(
      servePortal({ isAzure: () => false, supportUrl: () => support, portalDir: PORTAL_DIR }),
      get('http://localhost:7071/api/portal'),
    );
    const html = String(page.body);
    // Written as an attribute value: quotes and angle brackets cannot leave it.
    expect(html).toContain(
      'data-support-url="https://help.example.com/new?from=&#34;portal&#34;&#38;x=&#60;1&#62;"',
    );
    const hasWebhooks = existsSync(path.join(PORTAL_DIR, 'webhooks-view.js'));
    expect(html).toContain(`data-webhooks="${hasWebhooks ? 'on' : 'off'}"`);
    // A copy of the page's folder with the Webhooks module in it: the navigation offers the page.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-webhooks-'));
    try {
      cpSync(PORTAL_DIR, dir, { recursive: true });
      writeFileSync(path.join(dir, 'webhooks-view.js'), 'export function renderWebhooks() {}\n');
      const withHooks = await invoke(
        servePortal({ isAzure: () => false, portalDir: dir }),
        get('http://localhost/api/portal'),
      );
      expect(String(withHooks.body)).toContain('data-webhooks="on"');
      expect(String(withHooks.body)).toContain('data-support-url=""');
    } finally {
      rmSync(dir, { recursive: true, force: true });
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
      'app.js/../../package.json',
      'APP.JS',
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
      const script = await host.request('GET', '/api/portal/assets/app.js');
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(script.text).toBe(readFileSync(path.join(PORTAL_DIR, 'app.js'), 'utf8'));
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
