import { CONTAINERS } from '../../shared/contracts/names';
import { completedReport } from '../../shared/domain/package/report';
import type { OfferStatus } from '../../shared/domain/status';
import { MATRIX_QUESTION_ID, routeCases, RouteCase } from './routes';
import {
  Person,
  RecordingClient,
  answer,
  at,
  context,
  request,
  seedOffer,
  seedStatus,
  testServices,
  uniqueOfferId,
} from './support';

const services = testServices();
const ROUTES = routeCases(services);

type Caller = 'nobody' | Person;
const CALLERS: Caller[] = ['nobody', 'ann', 'bob', 'mia', 'tom', 'root'];
const ok = (status: number) => [status, undefined] as const;
const NO = [401, 'unauthenticated'] as const;
const DENIED = [403, 'forbidden'] as const;

/** [status, error code] per caller: ann owns the offer, bob is another publisher. */
const owner = (status: number) => [NO, ok(status), DENIED, DENIED, DENIED, ok(status)];
const reader = [NO, ok(200), DENIED, ok(200), ok(200), ok(200)];
const everyone = [ok(200), ok(200), ok(200), ok(200), ok(200), ok(200)];

const MATRIX: Record<string, (readonly [number, string | undefined])[]> = {
  putOffer: owner(200),
  getOffer: reader,
  listOffers: [NO, ok(200), ok(200), ok(200), ok(200), ok(200)],
  uploadPackage: owner(202),
  getPackageValidation: reader,
  uploadArtifact: owner(202),
  publishOffer: owner(202),
  getStatus: reader,
  goLive: owner(202),
  cancelSubmission: owner(202),
  reviewMarketing: [NO, DENIED, DENIED, ok(202), DENIED, ok(202)],
  reviewTechnical: [NO, DENIED, DENIED, DENIED, ok(202), ok(202)],
  getPreview: everyone,
  getPreviewPackage: everyone,
  listSubmissions: reader,
  getHistory: reader,
  listNotifications: reader,
  getOpenApi: everyone,
  checkOffer: owner(200),
  listQuestions: reader,
  // The matrix asks about the technical area: the marketing reviewer may not.
  askQuestion: [NO, DENIED, DENIED, DENIED, ok(201), ok(201)],
  answerQuestion: [NO, ok(201), DENIED, ok(201), ok(201), ok(201)],
  resolveQuestion: [NO, DENIED, DENIED, DENIED, ok(200), ok(200)],
};

/** The state in which the route succeeds for an allowed caller. */
function stateFor(route: string): ((s: OfferStatus) => OfferStatus) | undefined {
  if (route === 'publishOffer') return undefined;
  if (route.startsWith('review') || route.endsWith('Question'))
    return at('WaitingForReview', 'marketing-technical-validation');
  return at('WaitingForPublisher', 'publisher-signoff', {
    hidekey: 'matrix-key',
    previewBlobName: 'x/1/preview.zip',
  });
}

async function prepare(route: RouteCase): Promise<string> {
  const offerId = uniqueOfferId('authz');
  await seedOffer(services, offerId, 'contoso');
  const state = stateFor(route.name);
  if (state) await seedStatus(services, offerId, state);
  if (route.name.endsWith('Question'))
    await services.questions.addQuestion(
      offerId,
      {
        questionId: MATRIX_QUESTION_ID,
        submissionId: '1',
        area: 'technical',
        text: 'Is it signed?',
        askedBy: 'tom@marketplace.example',
        askedAt: new Date().toISOString(),
        resolvedAt: null,
      },
      { type: 'offer.question.asked', submissionId: '1', at: new Date().toISOString(), data: {} },
    );
  await services.packageReports.put(
    offerId,
    completedReport({ blobName: `${offerId}/p.app`, now: new Date().toISOString(), findings: [] }),
  );
  return offerId;
}

async function invoke(route: RouteCase, offerId: string, caller: Caller) {
  const req = request(route.method, route.path(offerId), {
    as: caller === 'nobody' ? undefined : caller,
    params: route.params(offerId),
    query: route.query,
    body: route.body?.value,
    headers: route.body ? { 'content-type': route.body.type } : {},
  });
  const { context: ctx } = context();
  const res =
    'plain' in route.handler
      ? await route.handler.plain(req, ctx)
      : await route.handler.durable(req, new RecordingClient(), ctx);
  return answer(res);
}

beforeAll(async () => {
  await services.blobs.upload(
    { container: CONTAINERS.previews, name: 'x/1/preview.zip' },
    Buffer.from('PK'),
    'application/zip',
  );
});

describe('authorization matrix', () => {
  it('covers every route', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(ROUTES.map((r) => r.name).sort());
  });

  const cases = ROUTES.flatMap((route) =>
    CALLERS.map((caller, i) => [route.name, caller, ...MATRIX[route.name]![i]!] as const),
  );
  it.each(cases)('%s as %s → %i %s', async (name, caller, status, code) => {
    const route = ROUTES.find((r) => r.name === name)!;
    const res = await invoke(route, await prepare(route), caller);
    expect(res.status).toBe(status);
    if (code) expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  it.each(
    ROUTES.filter((r) => r.path('x') !== r.path('y') && !r.name.startsWith('getPreview')).map((r) => r.name),
  )('%s is 404 offer_not_found for an unknown offer', async (name) => {
    const route = ROUTES.find((r) => r.name === name)!;
    const res = await invoke(route, uniqueOfferId('missing'), 'root');
    if (name === 'putOffer')
      expect(res.status).toBe(403); // Admin without publisher_id cannot create
    else expect([res.status, res.body.error.code]).toEqual([404, 'offer_not_found']);
  });
});

/**
 * Issue 28 item 12: a request that changes state is refused when a browser says it comes from
 * another site (Sec-Fetch-Site, else Origin against the app's own address). Routes without a body
 * (go-live, cancel, resolve, check...) would otherwise rest on the session cookie's SameSite alone
 * in Azure. The portal (same origin) and scripts (no Origin) are served as before.
 */
describe('cross-site requests that change state (issue 28 item 12)', () => {
  const changing = ROUTES.filter((r) => r.method !== 'GET');
  // As Admin, whom every one of these routes serves: a refusal can only be the origin's.
  const succeeds = (name: string) => MATRIX[name]![CALLERS.indexOf('root')]![0];

  async function invokeFrom(route: RouteCase, headers: Record<string, string>) {
    const offerId = await prepare(route);
    const req = request(route.method, route.path(offerId), {
      as: 'root',
      params: route.params(offerId),
      query: route.query,
      body: route.body?.value,
      headers: { ...(route.body ? { 'content-type': route.body.type } : {}), ...headers },
    });
    const { context: ctx } = context();
    return answer(
      'plain' in route.handler
        ? await route.handler.plain(req, ctx)
        : await route.handler.durable(req, new RecordingClient(), ctx),
    );
  }

  it('covers the routes without a body', () => {
    expect(changing.filter((r) => !r.body).map((r) => r.name)).toEqual(
      expect.arrayContaining(['goLive', 'cancelSubmission', 'resolveQuestion']),
    );
  });

  it.each(changing.map((r) => r.name))('%s from another site is 403 forbidden', async (name) => {
    const route = ROUTES.find((r) => r.name === name)!;
    const evil = 'https://evil.example';
    for (const headers of <Record<string, string>[]>[
      { origin: evil, 'sec-fetch-site': 'cross-site' },
      { origin: evil, 'sec-fetch-site': 'same-site' },
      { origin: evil }, // a browser without Sec-Fetch-Site still sends Origin on a cross-origin POST
      { origin: 'null' },
    ]) {
      const res = await invokeFrom(route, headers);
      expect([headers, res.status, res.body?.error?.code]).toEqual([headers, 403, 'forbidden']);
    }
  });

  it.each(changing.map((r) => r.name))(
    "%s from the app's own page, or from a script, is served",
    async (name) => {
      const route = ROUTES.find((r) => r.name === name)!;
      for (const headers of <Record<string, string>[]>[
        { origin: 'http://localhost:7071', 'sec-fetch-site': 'same-origin' },
        { 'sec-fetch-site': 'same-origin' },
        { origin: 'http://localhost:7071' }, // request() addresses http://localhost:7071
        {}, // curl, BcContainerHelper: no Origin
      ]) {
        const res = await invokeFrom(route, headers);
        expect([headers, res.status]).toEqual([headers, succeeds(name)]);
      }
    },
  );
});
