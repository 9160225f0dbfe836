import { snapshotBlobNameFor } from '../shared/domain/workflow';
import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { CONTAINERS, FUNCTIONS } from '../shared/contracts/names';
import type { Offer } from '../shared/domain/offer';
import { guarded, json } from '../shared/http/errors';
import { previewPackageUrl, statusForHidekey } from '../shared/http/preview';
import { PUBLIC_AUTH_LEVEL } from '../shared/http/registration';
import { Services, getServices } from '../shared/services';

/** What the listing will show: the submitted offer's public fields (never the lead destination). */
function listingOf(offer: Partial<Offer>): Record<string, unknown> {
  const { name, summary, description, categories, supportUrl, privacyPolicyUrl, eulaUrl, app, storefront } =
    offer;
  return { name, summary, description, categories, supportUrl, privacyPolicyUrl, eulaUrl, app, storefront };
}

async function submittedOffer(
  services: Services,
  offerId: string,
  submissionId: string,
): Promise<Partial<Offer>> {
  const snapshot = await services.blobs.download({
    container: CONTAINERS.submissions,
    name: snapshotBlobNameFor(offerId, submissionId),
  });
  if (snapshot) return JSON.parse(snapshot.toString('utf8')) as Offer;
  return (await services.offers.get(offerId)) ?? {};
}

/** The preview of the current submission, opened by its hidekey alone (no identity). */
export function makeGetPreview(services: Services) {
  return guarded(async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
    const status = await statusForHidekey(services.statuses, request);
    const submissionId = status.submissionId ?? '';
    const offer = await submittedOffer(services, status.offerId, submissionId);
    return json(200, {
      offerId: status.offerId,
      submissionId,
      manifest: listingOf(offer),
      package: {
        blobName: status.previewBlobName ?? '',
        url: previewPackageUrl(services.settings.PUBLIC_BASE_URL, status.offerId, status.hidekey ?? ''),
      },
    });
  });
}

app.http(FUNCTIONS.getPreview, {
  route: 'offers/{offerId}/preview',
  methods: ['GET'],
  authLevel: PUBLIC_AUTH_LEVEL,
  handler: (request, context) => makeGetPreview(getServices())(request, context),
});
