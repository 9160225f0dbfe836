/**
 * The status page in a real browser (Debian's chromium driven by playwright-core) against the
 * local host running the real app: seed an offer through the API, then publish it, press Go Live
 * and approve it from the page, watching the nine steps advance.
 * Needs `apt-get install chromium` (/usr/bin/chromium). Screenshots go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Page } from 'playwright-core';
import { OpenBrowser, openBrowser } from '../support/browser';
import { STEP_IDS } from '../../shared/domain/steps';
import { appJson, withOwnAppId, zipPackage } from '../support/packages';
import { completeOffer, storefrontArtifacts } from '../support/scenario';
import { asPerson } from '../support/principals';
import { RunningHost, startHost } from '../support/host';

const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
// First in offer-id order: the run's Azurite holds many offers of the same publisher from other
// suites, and "All offers" shows the first page.
const OFFER = '0-portal-demo';
// Ids that sort first: the All offers page lists offers in id order, and other suites share the storage.
const OTHER = '0-fabrikam-crm';
const HOSTILE = '0-portal-escaping';
const HOSTILE_NAME = '<img src=x onerror=window.__xss=1>';
const STEP_WAIT = 60_000;

const portalOffer = completeOffer({ testDrive: { enabled: false } });

function expectStatus(res: { status: number; text: string }, ...allowed: number[]): void {
  if (!allowed.includes(res.status)) throw new Error(`HTTP ${res.status}: ${res.text}`);
}

function step(page: Page, id: string, state?: string) {
  return page.locator(`#steps li[data-step="${id}"]${state ? `[data-state="${state}"]` : ''}`);
}

async function signInAs(page: Page, who: 'publisher' | 'marketing' | 'technical' | 'admin'): Promise<void> {
  await page.getByLabel('Sign in as').selectOption(who);
}

describe('portal in a browser', () => {
  let host: RunningHost;
  let page: Page;
  let browser: OpenBrowser | undefined;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    host = await startHost();
    const offer = withOwnAppId(portalOffer, OFFER);
    expectStatus(await host.request('PUT', `/api/offers/${OFFER}`, offer, asPerson('ann')), 200, 201);
    for (const [name, bytes] of storefrontArtifacts()) {
      const headers = { ...asPerson('ann'), 'content-type': 'image/png' };
      expectStatus(await host.request('PUT', `/api/offers/${OFFER}/artifacts/${name}`, bytes, headers), 202);
    }
    expectStatus(
      await host.request('PUT', `/api/offers/${OFFER}/package`, zipPackage(withOwnAppId(appJson(), OFFER)), {
        ...asPerson('ann'),
        'content-type': 'application/zip',
        'x-file-name': 'contoso-sales.zip',
      }),
      202,
    );
    expectStatus(
      await host.request('PUT', `/api/offers/${HOSTILE}`, { name: HOSTILE_NAME }, asPerson('ann')),
      200,
      201,
    );
    expectStatus(
      await host.request('PUT', `/api/offers/${OTHER}`, { name: 'Fabrikam CRM' }, asPerson('bob')),
      200,
      201,
    );

    browser = await openBrowser('portal-chromium', { width: 1400, height: 1000 });
    ({ page, pageErrors } = browser);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('lists the caller’s offers, all offers for Admin, and filters by state', async () => {
    await page.goto(`${host.baseUrl}/api/portal#/offers`);
    await signInAs(page, 'publisher');
    const rows = page.locator('#offers-table tbody tr');
    await rows.first().waitFor();
    await page.locator(`#offers-table tr[data-offer-id="${OFFER}"]`).waitFor();
    expect(await page.locator(`#offers-table tr[data-offer-id="${OTHER}"]`).count()).toBe(0);

    // Text from the API is shown as text: the name is visible verbatim and nothing ran.
    const hostileRow = page.locator(`#offers-table tr[data-offer-id="${HOSTILE}"]`);
    expect(await hostileRow.locator('td').first().textContent()).toBe(HOSTILE_NAME);
    expect(await hostileRow.locator('img').count()).toBe(0);
    expect(await page.evaluate('typeof window.__xss')).toBe('undefined');

    await signInAs(page, 'admin');
    await page.locator(`#offers-table tr[data-offer-id="${OTHER}"]`).waitFor();

    // Other suites share the storage, so other offers may be Live: the filter must hide ours and
    // show only Live ones.
    await page.getByLabel('Filter by state').selectOption('Live');
    await page.locator(`#offers-table tr[data-offer-id="${OFFER}"]`).waitFor({ state: 'detached' });
    for (const text of await rows.allTextContents()) expect(text).toContain('Live');
    await page.getByLabel('Filter by state').selectOption('NotStarted');
    await page.locator(`#offers-table tr[data-offer-id="${OFFER}"]`).waitFor();
    await page.getByLabel('Filter by state').selectOption('');
    await signInAs(page, 'publisher');
  });

  it('sends the picked identity as x-ms-client-principal', async () => {
    const request = page.waitForRequest((r) => r.url().includes('/api/offers'));
    await signInAs(page, 'technical');
    const header = (await request).headers()['x-ms-client-principal'] ?? '';
    const principal = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as {
      claims: Array<{ typ: string; val: string }>;
    };
    expect(principal.claims).toContainEqual({ typ: 'roles', val: 'TechnicalReviewer' });
    await signInAs(page, 'publisher');
  });

  /** On failure: a screenshot, and the API's status in the error, to say which step the app stopped at. */
  async function explainFailure(error: unknown): Promise<never> {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page
      .screenshot({ path: path.join(ARTIFACTS, 'portal-failure.png'), fullPage: true })
      .catch(() => {});
    const status = await host
      .request('GET', `/api/offers/${OFFER}/status`, undefined, asPerson('ann'))
      .then((res) => `HTTP ${res.status}: ${res.text}`)
      .catch((cause: unknown) => `unavailable (${String(cause)})`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${reason}\n\nStatus of ${OFFER}: ${status}\n\n` + `Host output (end):\n${host.output().slice(-4000)}`,
    );
  }

  it('publishes from the page, shows sign-off, and advances past it on Go Live', async () => {
    await publishThroughGoLive().catch(explainFailure);
  }, 180_000);

  it('shows the reviewers’ approvals carrying the submission through all nine steps to Live', async () => {
    await reviewThroughLive().catch(explainFailure);
  }, 180_000);

  async function publishThroughGoLive(): Promise<void> {
    await page.goto(`${host.baseUrl}/api/portal#/offers`);
    await page.locator(`#offers-table tr[data-offer-id="${OFFER}"] a`).click();
    await page.locator('#status-offer-id', { hasText: OFFER }).waitFor();
    await page.locator('#steps li').nth(8).waitFor();
    expect(await page.locator('#steps li').count()).toBe(9);
    expect(
      await page.locator('#steps li').evaluateAll((els) => els.map((e) => e.getAttribute('data-step'))),
    ).toEqual(STEP_IDS);
    expect(await page.locator('#steps li[data-state="NotStarted"]').count()).toBe(9);
    // Buttons follow the API's `actions`: before a submission the owner may only publish.
    expect(await page.locator('#go-live').isVisible()).toBe(false);
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    expect(await page.locator('#review-form').isVisible()).toBe(false);

    // Publish asks for the notification email in a dialog.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByLabel('Notification email').fill('ann@contoso.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await step(page, 'validate-prerequisites', 'Succeeded').waitFor({ timeout: STEP_WAIT });
    await step(page, 'publisher-signoff', 'Waiting').waitFor({ timeout: STEP_WAIT });
    expect(await page.locator('#publish').isVisible()).toBe(false);
    await page.locator('#preview-link').waitFor();
    expect(await page.locator('#preview-link').getAttribute('href')).toContain('hidekey=');
    await page.locator('#emails-table tbody tr td', { hasText: 'ann@contoso.com' }).first().waitFor();
    await page.locator('#history-table tbody tr').first().waitFor();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-signoff.png'), fullPage: true });

    await page.getByRole('button', { name: 'Go Live' }).click();
    await step(page, 'publisher-signoff', 'Succeeded').waitFor({ timeout: STEP_WAIT });
    await page
      .locator(
        '#steps li[data-step="marketing-technical-validation"][data-state="Waiting"], ' +
          '#steps li[data-step="marketing-technical-validation"][data-state="InProgress"]',
      )
      .first()
      .waitFor({ timeout: STEP_WAIT });
    expect(await page.locator('#go-live').isVisible()).toBe(false);
    expect(await page.locator('#status-summary').getAttribute('aria-live')).toBe('polite');
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal.png'), fullPage: true });
  }

  async function reviewThroughLive(): Promise<void> {
    await page.goto(`${host.baseUrl}/api/portal#/offers/${OFFER}`);
    // Reviewers approve from the page.
    for (const reviewer of ['marketing', 'technical'] as const) {
      await signInAs(page, reviewer);
      await page.locator('#review-form').waitFor();
      await page.getByLabel('Comments').fill(`${reviewer} looks good`);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.locator('#action-message', { hasText: 'decision is recorded' }).waitFor();
    }
    await signInAs(page, 'publisher');
    await step(page, 'marketing-technical-validation', 'Succeeded').waitFor({ timeout: STEP_WAIT });
    await step(page, 'live', 'Succeeded').waitFor({ timeout: STEP_WAIT });
    expect(await page.locator('#steps li[data-state="Succeeded"]').count()).toBeGreaterThanOrEqual(7);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-live.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }

  it('shows a failure with its details, as text, and offers Publish again', async () => {
    await page.goto(`${host.baseUrl}/api/portal#/offers/${HOSTILE}`);
    await page.locator('#steps li').nth(8).waitFor();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByLabel('Notification email').fill('ann@contoso.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await step(page, 'validate-prerequisites', 'Failed').waitFor({ timeout: STEP_WAIT });
    await page.locator('#error-panel').waitFor();
    const details = await page.locator('#error-details li').allTextContents();
    // Each detail by the field's label, in words: no JSON path, no schema sentence.
    expect(details).toEqual(expect.arrayContaining(['Summary: Required to publish: fill it in.']));
    expect(await page.locator('#error-panel img').count()).toBe(0);
    await page.locator('#publish').waitFor();
    expect(await page.locator('#go-live').isVisible()).toBe(false);
    await page.screenshot({ path: path.join(ARTIFACTS, 'portal-failed.png'), fullPage: true });
  }, 120_000);

  it('is readable on a phone: the steps stack vertically', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${host.baseUrl}/api/portal#/offers/${OFFER}`);
    await page.locator('#steps li').nth(8).waitFor();
    expect(await page.locator('#steps li').count()).toBe(9);
    const boxes = await page
      .locator('#steps li')
      .evaluateAll((els) =>
        els.map((e) => e.getBoundingClientRect()).map((r) => ({ left: r.left, top: r.top, right: r.right })),
      );
    expect(new Set(boxes.map((b) => Math.round(b.left))).size).toBe(1);
    expect(boxes.every((b) => b.right <= 390)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
