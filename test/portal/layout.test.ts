/**
 * The status page where people read it: a phone (390x844) and a desktop (1440x900), in Debian's
 * chromium, against the local host running the real app. What matters now (state, current step,
 * the error or the actions) must be on the first screen of a phone, nothing may be cut off
 * sideways, and all nine steps must be visible on a desktop. Paging, the live version, the package
 * report, uploads, a 401 and a refused Cancel are driven through the page as a person would; where
 * a route is not on this branch or a state cannot be reached quickly, playwright's page.route
 * stands in for the API on that page only.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BrowserContext, Page, Route } from 'playwright-core';
import { OpenBrowser, openBrowser } from '../support/browser';
import { appJson, withOwnAppId, zipPackage } from '../support/packages';
import { asPerson } from '../support/principals';
import { eventually } from '../workflow/flow';
import { RunningHost, startHost } from '../support/host';
import { driveToLive, prepareOffer, publisherSteps, StatusBody } from '../support/scenario';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
// Ids that sort first: the All offers page lists offers in id order, and other suites share the storage.
const SIGNOFF = '0-layout-signoff';
const FAILED = '0-layout-failed';
const LIVE = '0-layout-live';
const FINDINGS = '0-layout-findings';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');

/** Screenshots for a person to look at (test-artifacts/, git-ignored). */
async function snapshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

async function box(page: Page, selector: string): Promise<Box> {
  return page
    .locator(selector)
    .first()
    .evaluate((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    });
}

/**
 * Sideways overflow of the page and of every element that scrolls or clips its content. Run in the
 * page; written as source text because the tests compile without the DOM's types.
 */
const SIDEWAYS_OVERFLOW = `(() => {
  const found = [];
  const doc = document.scrollingElement || document.documentElement;
  if (doc.scrollWidth > window.innerWidth) found.push('page ' + doc.scrollWidth + ' > ' + window.innerWidth);
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    const style = getComputedStyle(el);
    // Screen-reader-only text (1px, clipped on purpose) is not a column anyone sees.
    if (style.display === 'none' || style.overflowX === 'visible' || el.clientWidth <= 1) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      found.push(el.tagName.toLowerCase() + '#' + el.id + '.' + el.className + ': ' + el.scrollWidth + ' > ' + el.clientWidth);
  }
  return found;
})()`;

async function sidewaysOverflow(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(SIDEWAYS_OVERFLOW);
}

describe('status page layout on a phone and a desktop', () => {
  let host: RunningHost;
  let context: BrowserContext;
  let page: Page;
  let browser: OpenBrowser | undefined;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    host = await startHost();
    const signoff = await prepareOffer(host.baseUrl, SIGNOFF);
    await signoff.publish();
    await signoff.waitForState(['WaitingForPublisher'], 60_000);

    const failed = publisherSteps(host.baseUrl, FAILED);
    await failed.call('ann', 'PUT', `/api/offers/${FAILED}`, { name: 'Fabrikam Failing Offer' });
    await failed.publish();
    await failed.waitForState(['Failed'], 60_000);

    await prepareOffer(host.baseUrl, LIVE);
    const live = await driveToLive(host.baseUrl, LIVE);
    if (live.status.state !== 'Live') throw new Error(`${LIVE} ended ${live.status.state}`);

    const findings = publisherSteps(host.baseUrl, FINDINGS);
    await findings.describe();
    const {
      help: _help,
      url: _url,
      ...withoutLinks
    } = appJson({ version: '9.9.9.9', EULA: 'http://x.example' });
    await findings.uploadPackage(withoutLinks);
    await findings.packageValidated();

    browser = await openBrowser('portal-layout', PHONE);
    ({ context, page, pageErrors } = browser);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  async function openStatus(offerId: string, viewport = PHONE): Promise<void> {
    await page.setViewportSize(viewport);
    await page.goto(`${host.baseUrl}/api/portal#/offers/${offerId}`);
    // The page marks which offer it has drawn: the previous offer's steps may still be on screen.
    await page.locator(`html[data-status-offer="${offerId}"]`).waitFor({ state: 'attached' });
    await page.evaluate('window.scrollTo(0, 0)');
  }

  describe('on a phone (390x844)', () => {
    it('shows the state, the current step and Go Live / Cancel on the first screen', async () => {
      await openStatus(SIGNOFF);
      await page.locator('#go-live').waitFor();
      for (const id of ['#status-summary', '#go-live', '#cancel']) {
        const b = await box(page, id);
        expect({ id, top: b.top >= 0, bottom: b.bottom <= PHONE.height }).toEqual({
          id,
          top: true,
          bottom: true,
        });
      }
      expect(await page.locator('#status-summary').textContent()).toContain('Publisher Sign-off');
      // The preview link opens the portal's rendered preview, carrying the status's hidekey.
      expect(await page.locator('#preview-link').getAttribute('href')).toMatch(
        new RegExp(`^#/offers/${SIGNOFF}/preview\\?hidekey=[^&]+$`),
      );
      await snapshot(page, 'portal-phone-signoff');
      expect(await sidewaysOverflow(page)).toEqual([]);
      for (const b of await page
        .locator('#steps li')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right)))
        expect(b).toBeLessThanOrEqual(PHONE.width);
    });

    it('shows the error of a failed submission on the first screen', async () => {
      await openStatus(FAILED);
      await page.locator('#error-panel').waitFor();
      await snapshot(page, 'portal-phone-failed');
      for (const id of ['#error-heading', '#error-message']) {
        const b = await box(page, id);
        expect({ id, bottom: b.bottom <= PHONE.height }).toEqual({ id, bottom: true });
      }
      expect(await sidewaysOverflow(page)).toEqual([]);
    });

    it('lists offers as readable rows: no sideways scrolling, no column cut off, step titles', async () => {
      await page.setViewportSize(PHONE);
      await page.goto(`${host.baseUrl}/api/portal#/offers`);
      const row = page.locator(`#offers-table tr[data-offer-id="${SIGNOFF}"]`);
      await row.waitFor();
      await snapshot(page, 'portal-phone-offers');
      expect(await sidewaysOverflow(page)).toEqual([]);
      const cells = await page
        .locator('#offers-table tbody td')
        .evaluateAll((els) =>
          els.map((e) => ({ left: e.getBoundingClientRect().left, right: e.getBoundingClientRect().right })),
        );
      expect(cells.length).toBeGreaterThan(0);
      for (const c of cells) expect(c.left >= 0 && c.right <= PHONE.width).toBe(true);
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('Publisher Sign-off');
      expect(text).not.toContain('publisher-signoff');
      // This branch's list answers without `continuation`: nothing more to load.
      expect(await page.locator('#offers-more').isVisible()).toBe(false);
    });
  });

  describe('on a desktop (1440x900)', () => {
    it('shows all nine steps fully, none clipped at the right edge', async () => {
      await openStatus(LIVE, DESKTOP);
      await page.locator('#steps').scrollIntoViewIfNeeded();
      const list = await box(page, '#steps');
      const steps = await page.locator('#steps li').evaluateAll((els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }),
      );
      await snapshot(page, 'portal-desktop-live');
      expect(steps).toHaveLength(9);
      steps.forEach((s, i) => {
        const inside =
          s.left >= 0 &&
          s.right <= DESKTOP.width &&
          s.top >= 0 &&
          s.bottom <= DESKTOP.height &&
          s.left >= list.left &&
          s.right <= list.right;
        expect({ step: i + 1, inside }).toEqual({ step: i + 1, inside: true });
      });
      expect(await sidewaysOverflow(page)).toEqual([]);
    });

    it('says a live offer is live, without "Started —" on step 9', async () => {
      await openStatus(LIVE, DESKTOP);
      const summary = (await page.locator('#status-summary').textContent()) ?? '';
      expect(summary).toContain('The offer is live');
      expect(summary).not.toMatch(/is succeeded|Live succeeded/);
      const live = page.locator('#steps li[data-step="live"]');
      expect(await live.getAttribute('data-state')).toBe('Succeeded');
      expect(await live.locator('dt').allTextContents()).not.toContain('Started');
      expect(await live.textContent()).not.toContain('—');
    });

    it('says "failed", not "is failed"', async () => {
      await openStatus(FAILED, DESKTOP);
      const summary = (await page.locator('#status-summary').textContent()) ?? '';
      expect(summary).toContain('Validate Prerequisites failed.');
      expect(summary).not.toContain('is failed');
    });

    it('draws the state icons with SVG, so they render without special fonts', async () => {
      await openStatus(SIGNOFF, DESKTOP);
      const waiting = page.locator('#steps li[data-step="publisher-signoff"] .step-state');
      expect(await waiting.textContent()).toBe('Waiting');
      expect(await waiting.locator('svg').count()).toBe(1);
      for (const text of await page.locator('#steps .step-state').allTextContents())
        expect(text).toMatch(/^[A-Za-z ]+$/);
    });

    it('puts no focus outline around the content after a navigation', async () => {
      await page.setViewportSize(DESKTOP);
      await page.goto(`${host.baseUrl}/api/portal#/offers`);
      // A fresh document: rows left from an earlier visit would be redrawn under the focused link.
      await page.reload();
      const link = page.locator(`#offers-table tr[data-offer-id="${SIGNOFF}"] a`);
      await link.focus();
      await page.keyboard.press('Enter');
      await page.locator(`html[data-status-offer="${SIGNOFF}"]`).waitFor({ state: 'attached' });
      const outline = await page.evaluate<{ style: string; width: string }>(
        `(() => { const s = getComputedStyle(document.activeElement); return { style: s.outlineStyle, width: s.outlineWidth }; })()`,
      );
      expect(outline.style === 'none' || outline.width === '0px').toBe(true);
    });
  });

  describe('through the API contract', () => {
    async function withPage(run: (p: Page) => Promise<void>): Promise<void> {
      const p = await context.newPage();
      p.setDefaultTimeout(15_000);
      const errors: string[] = [];
      p.on('pageerror', (error) => errors.push(error.message));
      try {
        await p.setViewportSize(DESKTOP);
        await run(p);
        expect(errors).toEqual([]);
      } finally {
        await p.close();
      }
    }

    it('sends the page to sign in on a 401, coming back to the same page', async () => {
      await withPage(async (p) => {
        await p.route(/\/api\/offers/, (route) =>
          route.fulfill({
            status: 401,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'unauthenticated', message: 'Sign in.' } }),
          }),
        );
        // The stand-in for App Service Authentication's sign-in page exists only in this test.
        await p.route(/\/\.auth\/login\/aad/, (route) =>
          route.fulfill({ status: 200, contentType: 'text/html', body: '<p>sign in</p>' }),
        );
        await p.goto(`${host.baseUrl}/api/portal#/offers/${SIGNOFF}`);
        await p.waitForURL(/\/\.auth\/login\/aad/);
        const url = new URL(p.url());
        expect(url.pathname).toBe('/.auth/login/aad');
        expect(url.searchParams.get('post_login_redirect_uri')).toBe(`/api/portal#/offers/${SIGNOFF}`);
      });
    });

    it('pages through All offers with continuation and shows the live version', async () => {
      const pages: Record<string, unknown> = {
        first: {
          offers: [
            {
              offerId: 'aaa-paged',
              name: 'Paged A',
              publisherId: 'contoso',
              state: 'Failed',
              currentStep: 'automated-validation',
              liveVersion: '1.2.0.0',
              updatedAt: '2026-12-01T10:00:00Z',
            },
          ],
          continuation: 'page-2',
        },
        'page-2': {
          offers: [
            {
              offerId: 'bbb-paged',
              name: 'Paged B',
              publisherId: 'contoso',
              state: 'Live',
              currentStep: 'live',
              liveVersion: '2.0.0.0',
              updatedAt: '2026-12-01T11:00:00Z',
            },
          ],
          continuation: null,
        },
      };
      await withPage(async (p) => {
        const asked: string[] = [];
        await p.route(/\/api\/offers(\?.*)?$/, (route) => {
          const continuation = new URL(route.request().url()).searchParams.get('continuation');
          asked.push(continuation ?? '');
          return route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify(pages[continuation ?? 'first']),
          });
        });
        await p.goto(`${host.baseUrl}/api/portal#/offers`);
        const first = p.locator('#offers-table tr[data-offer-id="aaa-paged"]');
        await first.waitFor();
        expect((await first.textContent()) ?? '').toContain('Live 1.2.0.0 · update failed');
        expect((await first.textContent()) ?? '').toContain('Automated Application Validation');
        await p.getByRole('button', { name: 'Load more' }).click();
        await p.locator('#offers-table tr[data-offer-id="bbb-paged"]').waitFor();
        expect(await p.locator('#offers-table tbody tr[data-offer-id]').count()).toBe(2);
        expect(await p.locator('#offers-more').isVisible()).toBe(false);
        expect(asked).toEqual(['', 'page-2']);
      });
    });

    it('groups the package report’s findings by rule, with their paths', async () => {
      const report = (
        await host.request('GET', `/api/offers/${FINDINGS}/package-validation`, undefined, asPerson('ann'))
      ).json<{ state: string; findings: { rule: string; path?: string; message: string }[] }>();
      expect(report.state).toBe('Failed');
      const rules = [...new Set(report.findings.map((f) => f.rule))];
      expect(rules.length).toBeGreaterThan(1);
      await withPage(async (p) => {
        await p.goto(`${host.baseUrl}/api/portal#/offers/${FINDINGS}/edit`);
        await p.locator('#package-report [data-rule]').first().waitFor();
        const shown = await p
          .locator('#package-report [data-rule]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-rule')));
        expect(shown.sort()).toEqual([...rules].sort());
        for (const finding of report.findings) {
          const group = p.locator(`#package-report [data-rule="${finding.rule}"]`);
          expect(await group.locator('li').count()).toBe(
            report.findings.filter((f) => f.rule === finding.rule).length,
          );
          if (finding.path) expect(await group.textContent()).toContain(finding.path);
        }
      });
    });

    it('uploads a package through the PUT route when upload-url does not answer 201', async () => {
      await withPage(async (p) => {
        const requests: string[] = [];
        p.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
        await p.route(/\/package\/upload-url$/, (route) =>
          route.fulfill({
            status: 404,
            contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'not_found', message: 'No route.' } }),
          }),
        );
        await p.goto(`${host.baseUrl}/api/portal#/offers/${FINDINGS}/edit`);
        await p.locator('#package-form').waitFor();
        await p.locator('#package-file').setInputFiles({
          name: 'contoso-sales.zip',
          mimeType: 'application/zip',
          buffer: zipPackage(withOwnAppId(appJson(), FINDINGS)),
        });
        await p.getByRole('button', { name: 'Upload package' }).click();
        await p.locator('#package-report[data-state="Passed"]').waitFor({ timeout: 60_000 });
        expect(requests).toContain(`POST /api/offers/${FINDINGS}/package/upload-url`);
        expect(requests).toContain(`PUT /api/offers/${FINDINGS}/package`);
      });
    }, 90_000);

    it('uploads straight to the URL upload-url returns, with its headers', async () => {
      const bytes = zipPackage();
      await withPage(async (p) => {
        const puts: { headers: Record<string, string>; size: number }[] = [];
        let packageRoute = 0;
        await p.route(/\/package\/upload-url$/, async (route) => {
          const body = route.request().postDataJSON() as { fileName: string; size: number };
          expect(body).toEqual({ fileName: 'contoso-sales.zip', size: bytes.length });
          await route.fulfill({
            status: 201,
            contentType: 'application/json',
            body: JSON.stringify({
              uploadUrl: `${host.baseUrl}/stand-in-storage/packages/${FINDINGS}/contoso-sales.zip?sig=test`,
              blobName: `${FINDINGS}/contoso-sales.zip`,
              expiresAt: new Date(Date.now() + 600_000).toISOString(),
              headers: { 'x-ms-blob-type': 'BlockBlob' },
            }),
          });
        });
        await p.route(/\/stand-in-storage\//, (route: Route) => {
          puts.push({
            headers: route.request().headers(),
            size: route.request().postDataBuffer()?.length ?? 0,
          });
          return route.fulfill({ status: 201, body: '' });
        });
        await p.route(new RegExp(`/api/offers/${FINDINGS}/package$`), (route) => {
          packageRoute++;
          return route.abort();
        });
        await p.route(new RegExp(`/api/offers/${FINDINGS}/package-validation$`), (route) =>
          route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify({
              blobName: `${FINDINGS}/contoso-sales.zip`,
              state: 'Passed',
              findings: [],
              validatedAt: new Date().toISOString(),
            }),
          }),
        );
        await p.goto(`${host.baseUrl}/api/portal#/offers/${FINDINGS}/edit`);
        await p
          .locator('#package-file')
          .setInputFiles({ name: 'contoso-sales.zip', mimeType: 'application/zip', buffer: bytes });
        await p.getByRole('button', { name: 'Upload package' }).click();
        await p.locator('#package-message', { hasText: 'Passed' }).waitFor();
        expect(puts).toHaveLength(1);
        expect(puts[0]?.headers['x-ms-blob-type']).toBe('BlockBlob');
        expect(puts[0]?.size).toBe(bytes.length);
        expect(packageRoute).toBe(0);
      });
    });

    it('uploads through the real upload URL straight into Azurite, and the package is validated', async () => {
      await withPage(async (p) => {
        const requests: string[] = [];
        p.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
        await p.goto(`${host.baseUrl}/api/portal#/offers/${FINDINGS}/edit`);
        await p.locator('#package-form').waitFor();
        await p.locator('#package-file').setInputFiles({
          name: 'direct.zip',
          mimeType: 'application/zip',
          buffer: zipPackage(withOwnAppId(appJson(), FINDINGS)),
        });
        // The upload's own blob (shared/domain/uploadOrder.ts): {offerId}/uploads/{sequence}/{file}.
        const ownBlob = new RegExp(`/packages/${FINDINGS}/uploads/\\d+/direct\\.zip`);
        const stored = p.waitForResponse((r) => r.request().method() === 'PUT' && ownBlob.test(r.url()));
        await p.getByRole('button', { name: 'Upload package' }).click();
        expect((await stored).status()).toBe(201);
        await eventually(async () => {
          const res = await host.request(
            'GET',
            `/api/offers/${FINDINGS}/package-validation`,
            undefined,
            asPerson('ann'),
          );
          const report = res.json<{ blobName: string; state: string }>();
          return report.blobName === `${FINDINGS}/direct.zip` && report.state === 'Passed'
            ? report
            : undefined;
        }, 'the directly uploaded package validated');
        expect(requests).toContain(`POST /api/offers/${FINDINGS}/package/upload-url`);
        expect(
          requests.filter((r) => r.startsWith('PUT /devstoreaccount1/') && ownBlob.test(r)),
        ).toHaveLength(1);
        expect(requests).not.toContain(`PUT /api/offers/${FINDINGS}/package`);
      });
    }, 90_000);

    it('says plainly that publishing has started when Cancel is refused at step 8', async () => {
      await withPage(async (p) => {
        let refused = false;
        await p.route(new RegExp(`/api/offers/${SIGNOFF}/cancel$`), (route) => {
          refused = true;
          return route.fulfill({
            status: 409,
            contentType: 'application/json',
            body: JSON.stringify({
              error: {
                code: 'not_cancellable',
                message: `Offer '${SIGNOFF}' can be canceled only from publisher sign-off until publishing starts.`,
              },
            }),
          });
        });
        // Meanwhile the reviews passed and step 8 waits for the promised date.
        await p.route(new RegExp(`/api/offers/${SIGNOFF}/status$`), async (route) => {
          if (!refused) return route.continue();
          const real = (await (await route.fetch()).json()) as StatusBody;
          const steps = real.steps.map((s, i) => ({
            ...s,
            state: i < 7 ? 'Succeeded' : i === 7 ? 'Waiting' : 'NotStarted',
          }));
          const status = {
            ...real,
            state: 'Running',
            currentStep: 'publish',
            steps,
            actions: [],
            publishDate: '2027-01-15',
          };
          return route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify(status),
          });
        });
        await p.goto(`${host.baseUrl}/api/portal#/offers/${SIGNOFF}`);
        await p.getByRole('button', { name: 'Cancel submission' }).click();
        // The page's own dialog, whose buttons say what they do.
        await p.getByRole('dialog').getByRole('button', { name: 'Cancel submission' }).click();
        const message = p.locator('#action-message', { hasText: 'can no longer be canceled' });
        await message.waitFor();
        expect(await message.textContent()).toContain('Publishing has started');
        expect(await message.textContent()).not.toContain('until publishing starts');
        // Step 8 shows the date the reviewers promised.
        expect(await p.locator('#steps li[data-step="publish"] .promised-date').textContent()).toBe(
          '2027-01-15',
        );
        expect(await p.locator('#status-summary').textContent()).toContain('2027-01-15');
      });
    });

    it('shows the offer’s productId with AL-Go settings that name it, when the API has one', async () => {
      const productId = '0b6f3c1e-2d4a-4f5b-8c7d-9e0a1b2c3d4e';
      await withPage(async (p) => {
        await p.route(new RegExp(`/api/offers/${SIGNOFF}$`), async (route) => {
          const real = (await (await route.fetch()).json()) as Record<string, unknown>;
          return route.fulfill({
            status: 200,
            contentType: 'application/json',
            body: JSON.stringify({ ...real, productId }),
          });
        });
        await p.goto(`${host.baseUrl}/api/portal#/offers/${SIGNOFF}`);
        await p.locator('#product-id', { hasText: productId }).waitFor();
        const snippet = JSON.parse((await p.locator('#al-go-snippet').textContent()) ?? '{}') as {
          deliverToAppSource?: { productId?: string };
        };
        expect(snippet.deliverToAppSource?.productId).toBe(productId);
      });
      // Without a productId (an offer the API answers without one) the panel stays hidden.
      await withPage(async (p) => {
        await p.route(new RegExp(`/api/offers/${SIGNOFF}$`), async (route) => {
          const real = (await (await route.fetch()).json()) as Record<string, unknown>;
          const { productId: _dropped, ...rest } = real;
          return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(rest) });
        });
        await p.goto(`${host.baseUrl}/api/portal#/offers/${SIGNOFF}`);
        await p.locator(`html[data-status-offer="${SIGNOFF}"]`).waitFor({ state: 'attached' });
        expect(await p.locator('#delivery-panel').isVisible()).toBe(false);
      });
    });

    it('creates an offer with the keyboard alone: New offer, the id, Enter; Escape closes the dialog', async () => {
      await withPage(async (p) => {
        await p.goto(`${host.baseUrl}/api/portal#/offers`);
        await p.locator('#offers-summary', { hasText: /offer/ }).waitFor();
        await p.getByRole('button', { name: 'New offer' }).focus();
        await p.keyboard.press('Enter');
        // The dialog takes focus on its input; Escape gives it back to the button.
        expect(await p.evaluate('document.activeElement.closest("dialog") !== null')).toBe(true);
        await p.keyboard.press('Escape');
        await p.getByRole('dialog').waitFor({ state: 'detached' });
        expect(await p.evaluate('document.activeElement.id')).toBe('new-offer');
        await p.keyboard.press('Enter');
        await p.keyboard.type('layout-keyboard');
        await p.keyboard.press('Enter');
        await p.locator('html[data-editor-offer="layout-keyboard"]').waitFor({ state: 'attached' });
        // Focus lands on the Editor's heading, and Tab reaches the fields in order.
        expect(await p.evaluate('document.activeElement.id')).toBe('editor-heading');
        const created = await host.request('GET', '/api/offers/layout-keyboard', undefined, asPerson('ann'));
        expect(created.status).toBe(200);
        // Asking again for the same id is refused in the dialog, never overwriting the draft.
        await p.getByRole('button', { name: 'New offer' }).click();
        await p.getByLabel('Offer id').fill('layout-keyboard');
        await p.keyboard.press('Enter');
        await p.getByRole('dialog').getByRole('alert').filter({ hasText: 'exists already' }).waitFor();
      });
    });

    it('raised no script errors on the shared page', () => {
      expect(pageErrors).toEqual([]);
    });
  });
});
