import { localMode } from '../shared/config';
import { app, HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { FUNCTIONS } from '../shared/contracts/names';
import { getServices } from '../shared/services';
import { locatePortalDir, PORTAL_HEADERS } from './portalAsset';

export interface PortalDeps {
  /**
   * True outside local mode: App Service Authentication supplies the identity, so the page hides
   * its "sign in as" picker. Only the local host turns local mode on (shared/config.ts localMode).
   */
  isAzure: () => boolean;
  /** SUPPORT_URL: where the Status tab's "Get help" on a failed submission leads (empty: no link). */
  supportUrl?: () => string;
  portalDir?: string;
}

/**
 * Where the page may send a package straight to storage (the URL POST .../package/upload-url
 * returns): Blob storage in Azure, Azurite on this machine.
 */
export function uploadOrigins(isAzure: boolean): string[] {
  return isAzure ? ['https://*.blob.core.windows.net'] : ['http://127.0.0.1:*', 'http://localhost:*'];
}

/**
 * The page only talks to the public API (same origin) and, for uploads, to Blob storage, so the
 * policy allows nothing else: no inline script, no third-party origins.
 */
export function contentSecurityPolicy(isAzure: boolean): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: shows the images a publisher just chose and those read out of the preview package.
    "img-src 'self' data: blob:",
    `connect-src 'self' ${uploadOrigins(isAzure).join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Paths the page needs, taken from the URL it was requested under (`/api/portal` with the
 * default route prefix): the API is the portal's parent, the assets are below it.
 */
export function pagePaths(requestUrl: string): { apiBase: string; assetBase: string } {
  const pathname = new URL(requestUrl).pathname.replace(/\/+$/, '');
  const apiBase = pathname.replace(/\/portal$/i, '');
  return { apiBase, assetBase: `${pathname}/assets` };
}

export function servePortal(deps: PortalDeps): HttpHandler {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const dir = deps.portalDir ?? locatePortalDir();
    const template = await fs.readFile(path.join(dir, 'index.html'), 'utf8');
    const { apiBase, assetBase } = pagePaths(request.url);
    const isAzure = deps.isAzure();
    const values: Record<string, string> = {
      __PORTAL_MODE__: isAzure ? 'azure' : 'local',
      __API_BASE__: apiBase,
      __ASSET_BASE__: assetBase,
      __SUPPORT_URL__: deps.supportUrl?.() ?? '',
      // The Webhooks page is its own module; the navigation offers it only where it is deployed.
      __WEBHOOKS__: existsSync(path.join(dir, 'webhooks-view.js')) ? 'on' : 'off',
    };
    const html = template.replace(/__(PORTAL_MODE|API_BASE|ASSET_BASE|SUPPORT_URL|WEBHOOKS)__/g, (key) =>
      escapeAttribute(values[key] ?? ''),
    );
    return {
      status: 200,
      headers: {
        ...PORTAL_HEADERS,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': contentSecurityPolicy(isAzure),
      },
      body: html,
    };
  };
}

app.http(FUNCTIONS.portal, {
  route: 'portal',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: servePortal({
    isAzure: () => !inLocalMode(),
    supportUrl: () => getServices().settings.SUPPORT_URL,
  }),
});

/** Local mode from the settings; an invalid configuration is not local mode (the API answers 503). */
function inLocalMode(): boolean {
  try {
    return localMode(getServices().settings);
  } catch {
    return false;
  }
}
