import { makeGetOffer } from '../../functions/getOffer';
import { makeListOffers } from '../../functions/listOffers';
import { makePutOffer } from '../../functions/putOffer';
import { at, call, fullDraft, request, seedOffer, seedStatus, testServices, uniqueOfferId } from './support';

const services = testServices();
const putOffer = makePutOffer(services);
const getOffer = makeGetOffer(services);
const listOffers = makeListOffers(services);

const put = (offerId: string, body: unknown, as: 'ann' | 'bob' | 'mia' | 'root' = 'ann') =>
  call(putOffer, request('PUT', `offers/${offerId}`, { as, params: { offerId }, body }));

describe('PUT /api/offers/{offerId}', () => {
  it('creates with 201, then replaces with 200, with the caller as publisher', async () => {
    const offerId = uniqueOfferId();
    const created = await put(offerId, fullDraft());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ offerId, publisherId: 'contoso', name: 'Contoso Sales Insights' });
    const replaced = await put(offerId, { name: 'Renamed' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toBe('Renamed');
    expect(replaced.body.summary).toBeUndefined();
    expect(replaced.body.createdAt).toBe(created.body.createdAt);
  });

  it('accepts an incomplete draft', async () => {
    const res = await put(uniqueOfferId(), {});
    expect(res.status).toBe(201);
  });

  it('masks secrets in the answer and keeps the stored one when "***" is sent back', async () => {
    const offerId = uniqueOfferId();
    const created = await put(offerId, fullDraft());
    expect(created.body.leadDestination.connectionString).toBe('***');
    expect(JSON.stringify(created.body)).not.toContain('UseDevelopmentStorage');
    const read = await call(
      getOffer,
      request('GET', `offers/${offerId}`, { as: 'ann', params: { offerId } }),
    );
    const roundTrip = { ...read.body };
    for (const key of ['offerId', 'publisherId', 'createdAt', 'updatedAt']) delete roundTrip[key];
    expect((await put(offerId, roundTrip)).status).toBe(200);
    const stored = await services.offers.get(offerId);
    expect(stored?.leadDestination).toMatchObject({ connectionString: 'UseDevelopmentStorage=true' });
  });

  it('takes a GET answer back as it is: the read-only fields are ignored, a different offerId is 400', async () => {
    const offerId = uniqueOfferId();
    const created = await put(offerId, fullDraft());
    const read = await call(
      getOffer,
      request('GET', `offers/${offerId}`, { as: 'ann', params: { offerId } }),
    );
    const again = await put(offerId, {
      ...read.body,
      name: 'Renamed',
      publisherId: 'fabrikam',
      createdAt: '2000-01-01T00:00:00.000Z',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ offerId, publisherId: 'contoso', name: 'Renamed' });
    expect(again.body.createdAt).toBe(created.body.createdAt);
    const stored = await services.offers.get(offerId);
    expect(stored?.leadDestination).toMatchObject({ connectionString: 'UseDevelopmentStorage=true' });
    const other = await put(offerId, { ...read.body, offerId: 'someone-else' });
    expect(other.status).toBe(400);
    expect(other.body.error.details).toEqual([expect.objectContaining({ path: 'offerId' })]);
  });

  it('names each bad field once in details, however many rules it breaks', async () => {
    const res = await put(uniqueOfferId(), { categories: 'Sales', name: 7 });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['name', 'categories']);
    const longId = 'x'.repeat(60);
    const id = await put(longId, {});
    expect(id.body.error.details.map((d: { path: string }) => d.path)).toEqual(['offerId']);
  });

  it('refuses "***" when no secret is stored', async () => {
    const res = await put(uniqueOfferId(), {
      leadDestination: { type: 'https', url: 'https://leads.example/in', secret: '***' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'leadDestination.secret' })]);
  });

  it('names every bad field in details and rejects unknown fields', async () => {
    const res = await put(uniqueOfferId(), {
      name: '',
      supportUrl: 'http://not-https.example',
      app: { version: '1.0' },
      extra: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'supportUrl', 'app.version']));
    expect(res.body.error.details).toContainEqual({ path: 'extra', message: 'unknown field' });
  });

  it('refuses malformed JSON (400), another content type (415) and a large body (413)', async () => {
    const offerId = uniqueOfferId();
    const params = { offerId };
    const malformed = await call(
      putOffer,
      request('PUT', `offers/${offerId}`, {
        as: 'ann',
        params,
        body: '{"name":',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'invalid_request']);
    const text = await call(
      putOffer,
      request('PUT', `offers/${offerId}`, {
        as: 'ann',
        params,
        body: 'name=x',
        headers: { 'content-type': 'text/plain' },
      }),
    );
    expect([text.status, text.body.error.code]).toEqual([415, 'unsupported_media_type']);
    const large = await put(offerId, { description: 'x'.repeat(70_000) });
    expect([large.status, large.body.error.code]).toEqual([413, 'payload_too_large']);
  });

  it('refuses a bad offer id with 400', async () => {
    const res = await put('Not_Valid', {});
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('offerId');
  });

  it("is 403 to replace another publisher's offer, and for reviewers", async () => {
    const offerId = uniqueOfferId();
    await put(offerId, {});
    const other = await put(offerId, {}, 'bob');
    expect([other.status, other.body.error.code]).toEqual([403, 'forbidden']);
    const reviewer = await put(uniqueOfferId(), {}, 'mia');
    expect([reviewer.status, reviewer.body.error.code]).toEqual([403, 'forbidden']);
  });

  it('lets Admin replace any offer without taking it over', async () => {
    const offerId = uniqueOfferId();
    await put(offerId, {});
    const res = await put(offerId, { name: 'By admin' }, 'root');
    expect(res.status).toBe(200);
    expect(res.body.publisherId).toBe('contoso');
  });
});

describe('GET /api/offers/{offerId}', () => {
  it('is 404 offer_not_found for an unknown offer', async () => {
    const offerId = uniqueOfferId();
    const res = await call(getOffer, request('GET', `offers/${offerId}`, { as: 'ann', params: { offerId } }));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'offer_not_found', message: `No offer '${offerId}' exists.` },
    });
  });

  it('is 401 without a principal', async () => {
    const offerId = uniqueOfferId();
    const res = await call(getOffer, request('GET', `offers/${offerId}`, { params: { offerId } }));
    expect([res.status, res.body.error.code]).toEqual([401, 'unauthenticated']);
  });
});

describe('GET /api/offers', () => {
  it('shows a publisher their own offers and reviewers every offer, filtered by state', async () => {
    const mine = uniqueOfferId('list');
    const theirs = uniqueOfferId('list');
    await seedOffer(services, mine, 'contoso');
    await seedOffer(services, theirs, 'fabrikam');
    await seedStatus(services, theirs, at('WaitingForPublisher', 'publisher-signoff'));
    type Item = { offerId: string };
    // Every page (Azurite is shared by the test files, so a view may hold more than one page).
    const all = async (as: 'ann' | 'mia', query: Record<string, string> = {}) => {
      const items: Item[] = [];
      let continuation: string | null = null;
      do {
        const res = await call(
          listOffers,
          request('GET', 'offers', {
            as,
            query: { ...query, top: '200', ...(continuation ? { continuation } : {}) },
          }),
        );
        expect(res.status).toBe(200);
        items.push(...res.body.offers);
        continuation = res.body.continuation;
      } while (continuation);
      return items;
    };

    const ann = await all('ann');
    expect(ann.map((o) => o.offerId)).toContain(mine);
    expect(ann.map((o) => o.offerId)).not.toContain(theirs);
    expect(ann.find((o) => o.offerId === mine)).toEqual({
      offerId: mine,
      name: 'Contoso Sales Insights',
      publisherId: 'contoso',
      state: 'NotStarted',
      currentStep: null,
      liveVersion: null,
      updatedAt: expect.any(String),
    });

    const mia = (await all('mia', { state: 'WaitingForPublisher' })).map((o) => o.offerId);
    expect(mia).toContain(theirs);
    expect(mia).not.toContain(mine);
  });

  it('refuses an unknown state with 400', async () => {
    const res = await call(
      listOffers,
      request('GET', 'offers', { as: 'root', query: { state: 'Sleeping' } }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('state');
  });
});
