import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { runsInAzure } from '../shared/config';
import { FUNCTIONS } from '../shared/contracts/names';
import { DomainError } from '../shared/domain/errors';
import { guarded, invalidRequest } from '../shared/http/errors';
import { PUBLIC_AUTH_LEVEL } from '../shared/http/registration';
import { packageFileName, SAMPLE_APP, samplePackage } from '../shared/sample/samplePackage';
import { Services, getServices } from '../shared/services';

/** The app the sample is built for: the offer's app identity where the Editor has one. */
const sampleQuery = z.strictObject({
  appId: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID')
    .optional(),
  name: z.string().min(1).max(100).optional(),
  publisher: z.string().min(1).max(100).optional(),
  version: z
    .string()
    .regex(/^\d{1,9}\.\d{1,9}\.\d{1,9}\.\d{1,9}$/, 'must have four numeric parts, such as 1.0.0.0')
    .optional(),
});

/**
 * GET /api/sample-package, local mode only: a valid sample .app (the one `npm run sample` writes),
 * so a newcomer without an .app can try the portal. An app id belongs to one offer, so without
 * `appId` the sample gets a fresh one; the other values default to the sample's. In Azure: 404.
 */
export function makeGetSamplePackage(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    if (runsInAzure(services.settings))
      throw new DomainError('not_found', 'Sample packages are offered on the local host only.');
    const parsed = sampleQuery.safeParse(Object.fromEntries(request.query.entries()));
    if (!parsed.success) throw invalidRequest(parsed.error);
    const q = parsed.data;
    const sample = {
      id: (q.appId ?? randomUUID()).toLowerCase(),
      name: q.name ?? SAMPLE_APP.name,
      publisher: q.publisher ?? SAMPLE_APP.publisher,
      version: q.version ?? SAMPLE_APP.version,
    };
    return {
      status: 200,
      body: samplePackage(sample),
      headers: {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${packageFileName(sample)}"`,
        'cache-control': 'no-store',
      },
    };
  });
}

app.http(FUNCTIONS.getSamplePackage, {
  route: 'sample-package',
  methods: ['GET'],
  authLevel: PUBLIC_AUTH_LEVEL,
  handler: (request, context) => makeGetSamplePackage(getServices())(request, context),
});
