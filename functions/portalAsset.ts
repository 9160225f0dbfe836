import { app, HttpHandler, HttpRequest, HttpResponseInit } from '@azure/functions';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { FUNCTIONS } from '../shared/contracts/names';

/**
 * The status page's static files live in the repository's top-level `portal/` folder, which is
 * deployed beside `dist/` (see .funcignore). Compiled, this module is `dist/functions/portalAsset.js`,
 * so the folder is `../../portal`; run from source (ts-jest) it is `../portal`.
 */
export function locatePortalDir(moduleDir: string = __dirname): string {
  const candidates = [path.join(moduleDir, '../../portal'), path.join(moduleDir, '../portal')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? (candidates[0] as string);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** One flat folder of lower-case names: no separators, no dot segments, nothing but what the page loads. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]{0,63}\.(css|js|svg|png|ico)$/;

/** Headers every portal response carries: no sniffing, no framing, no referrer (the preview link holds a key). */
export const PORTAL_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function notFound(message: string): HttpResponseInit {
  return {
    status: 404,
    headers: { ...PORTAL_HEADERS, 'content-type': 'application/json; charset=utf-8' },
    jsonBody: { error: { code: 'not_found', message } },
  };
}

export interface PortalAssetDeps {
  /** Folder of the page's files; default: located from this module (see locatePortalDir). */
  portalDir?: string;
}

export function servePortalAsset(deps: PortalAssetDeps = {}): HttpHandler {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const name = request.params.name ?? '';
    if (!ASSET_NAME.test(name)) return notFound('No such portal asset.');
    const dir = path.resolve(deps.portalDir ?? locatePortalDir());
    const file = path.resolve(dir, name);
    // The name pattern already excludes separators; this keeps the guarantee if the pattern changes.
    if (path.dirname(file) !== dir) return notFound('No such portal asset.');
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return notFound('No such portal asset.');
      throw error;
    }
    return {
      status: 200,
      headers: {
        ...PORTAL_HEADERS,
        'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
      },
      body,
    };
  };
}

app.http(FUNCTIONS.portalAsset, {
  route: 'portal/assets/{name}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: servePortalAsset(),
});
