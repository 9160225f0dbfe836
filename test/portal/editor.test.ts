/**
 * The seed's whole flow in a browser (Debian's chromium, playwright-core) against the local host
 * running the real app, with controls found by the accessible names of design.md: New offer,
 * the Editor's fields, images and a real .app package, a missing field, Publish and its email
 * dialog, step 1's failure shown as the field's accessible description, the fix, Publish again,
 * Go Live, both reviewers approving without typing, Live. Once on a desktop (1440x900) and once on
 * a phone (390x844). At each view an axe-core audit runs and a screenshot goes to test-artifacts/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Locator, Page } from 'playwright-core';
import { OpenBrowser, openBrowser } from '../support/browser';
import { png } from '../support/images';
import { appIdFor, appPackage, navxAttributes, navxContent, navxManifest } from '../support/packages';
import { asPerson } from '../support/principals';
import { RunningHost, startHost } from '../support/host';

const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STEP_WAIT = 60_000;
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}
interface AuditRecord {
  view: string;
  viewport: string;
  /** Rules that ran and passed: an audit that checked nothing would pass vacuously. */
  passes: number;
  violations: { id: string; impact: string | null; help: string; targets: string[] }[];
}

/** The text of the elements a control's aria-describedby names: its accessible description. */
async function description(control: Locator): Promise<string> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const parts: string[] = [];
  for (const id of ids)
    parts.push(((await control.page().locator(`[id="${id}"]`).textContent()) ?? '').trim());
  return parts.join(' ');
}

describe('the Editor and the seed’s flow in a browser', () => {
  let host: RunningHost;
  let browser: OpenBrowser | undefined;
  let page: Page;
  const audits: AuditRecord[] = [];

  beforeAll(async () => {
    host = await startHost();
    browser = await openBrowser('portal-editor', VIEWPORTS[0]);
    page = browser.page;
    await page.route(/\/api\/portal\/assets\/axe-under-test\.js$/, (route) =>
      route.fulfill({ status: 200, contentType: 'text/javascript', body: AXE }),
    );
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  /** An axe-core audit of the page as it is now, and a screenshot for a person to look at. */
  async function audit(view: string, viewport: string): Promise<void> {
    // A desktop's whole page; a phone's first screen, which is what must carry the view's point.
    const fullPage = viewport === 'desktop' && !view.endsWith('dialog');
    await page.screenshot({ path: path.join(ARTIFACTS, `portal-${view}-${viewport}.png`), fullPage });
    // Loaded as a same-origin script (the page's CSP allows only 'self'), served by this test alone.
    if ((await page.evaluate('typeof window.axe')) === 'undefined')
      await page.addScriptTag({ url: `${host.baseUrl}/api/portal/assets/axe-under-test.js` });
    const result = await page.evaluate<{ passes: number; violations: Violation[] }>(
      `axe.run(document, { resultTypes: ['violations'] }).then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })) }))`,
    );
    const violations = result.violations;
    audits.push({
      view,
      viewport,
      passes: result.passes,
      violations: violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    });
  }

  async function signInAs(who: 'publisher' | 'marketing' | 'technical'): Promise<void> {
    await page.getByLabel('Sign in as').selectOption(who);
  }

  function field(name: string): Locator {
    return page.getByLabel(name, { exact: true });
  }

  async function walk(viewport: (typeof VIEWPORTS)[number]): Promise<void> {
    const offerId = `editor-flow-${viewport.name}`;
    const v = viewport.name;
    await page.setViewportSize({ width: viewport.width, height: viewport.height });
    await page.goto(`${host.baseUrl}/api/portal#/offers`);
    await signInAs('publisher');
    await page.locator('#offers-summary', { hasText: /offer|No offers/ }).waitFor();
    await audit('offers', v);

    // New offer: the dialog asks for the offer id, then the Editor opens on the new draft.
    await page.getByRole('button', { name: 'New offer' }).click();
    await field('Offer id').fill(offerId);
    if (v === 'desktop') await audit('new-offer-dialog', v);
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.locator(`html[data-editor-offer="${offerId}"]`).waitFor({ state: 'attached' });

    // Every field but the description: step 1 is to find it missing.
    await field('Name').fill('Contoso Sales Insights');
    await field('Summary').fill('Sales dashboards for Business Central');
    await field('Categories').fill('Sales, Finance');
    await field('Support URL').fill('https://contoso.example/support');
    await field('Privacy policy URL').fill('https://contoso.example/privacy');
    await field('EULA URL').fill('https://contoso.example/eula');
    await field('App id').fill(appIdFor(offerId));
    await field('App name').fill('Contoso Sales');
    await field('App publisher').fill('Contoso');
    await field('App version').fill('1.2.0.0');
    await field('Logo').setInputFiles({ name: 'logo-216.png', mimeType: 'image/png', buffer: png(216, 216) });
    await page.getByRole('img', { name: /^Logo logo-216\.png/ }).waitFor();
    await field('Screenshots').setInputFiles({
      name: 'shot-1.png',
      mimeType: 'image/png',
      buffer: png(1280, 720),
    });
    await page.getByRole('img', { name: /^Screenshot 1, shot-1\.png/ }).waitFor();

    // A real .app (NAVX header, content zip, signature) with this offer's app id.
    const app = appPackage(navxContent(navxManifest(navxAttributes({ Id: appIdFor(offerId) }))));
    await field('Package').setInputFiles({
      name: 'contoso-sales.app',
      mimeType: 'application/octet-stream',
      buffer: app,
    });
    await page.getByRole('button', { name: 'Upload package' }).click();
    await page.locator('#package-report[data-state="Passed"]').waitFor({ timeout: STEP_WAIT });

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('#editor-message', { hasText: 'Saved' }).waitFor();
    const stored = await host.request('GET', `/api/offers/${offerId}`, undefined, asPerson('ann'));
    expect(stored.json<{ storefront: unknown; categories: string[] }>()).toMatchObject({
      storefront: { logo: 'logo-216.png', screenshots: ['shot-1.png'] },
      categories: ['Sales', 'Finance'],
    });

    // Publish opens the dialog asking for the notification email; step 1 then fails on the description.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await field('Notification email').fill('ann@contoso.com');
    await audit('publish-dialog', v);
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    // After Publish the Status tab follows the submission; its failure sends the publisher back to the Editor.
    await page.waitForURL(new RegExp(`#/offers/${offerId}$`));
    await page.locator('#error-panel:not([hidden])').waitFor({ timeout: STEP_WAIT });
    await page.locator('#error-fix a', { hasText: 'Editor' }).click();
    await page.locator('#editor-submission', { hasText: 'failed' }).waitFor({ timeout: STEP_WAIT });
    const status = await host.request('GET', `/api/offers/${offerId}/status`, undefined, asPerson('ann'));
    const failure = status.json<{ error: { step: string; details: { path: string; message: string }[] } }>()
      .error;
    expect(failure.step).toBe('validate-prerequisites');
    const missing = failure.details.find((d) => d.path === 'description');
    expect(missing).toBeDefined();
    const descriptionField = field('Description');
    await page
      .locator(`#${(await descriptionField.getAttribute('id')) ?? ''}[aria-describedby$="-warning"]`)
      .waitFor({ state: 'attached' });
    // The API's "is required to publish", in the portal's words: what to do, beside the field.
    expect(await description(descriptionField)).toContain('Required to publish: fill it in.');
    expect(await descriptionField.getAttribute('aria-invalid')).toBe('true');
    // The summary at the top links to the field.
    const summaryLink = page.locator('#editor-warnings a', { hasText: 'Description' });
    await summaryLink.click();
    expect(await page.evaluate('document.activeElement.id')).toBe(await descriptionField.getAttribute('id'));
    await audit('editor-warnings', v);

    // Fix, Publish again: the email is remembered.
    await descriptionField.fill('Dashboards and forecasts for your sales team.');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    expect(await field('Notification email').inputValue()).toBe('ann@contoso.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();

    // The Status tab: Go Live at sign-off, the preview as a page.
    await page.waitForURL(new RegExp(`#/offers/${offerId}$`));
    await page.getByRole('button', { name: 'Go Live' }).waitFor({ timeout: STEP_WAIT });
    await audit('status-signoff', v);
    await page.getByRole('link', { name: 'Open the preview' }).click();
    await page.locator('#preview-title', { hasText: 'Contoso Sales Insights' }).waitFor();
    await page.getByRole('img', { name: 'Contoso Sales Insights logo' }).waitFor();
    await page.getByRole('img', { name: 'Screenshot 1 of Contoso Sales Insights' }).waitFor();
    expect(await page.locator('#preview-page').textContent()).toContain('Dashboards and forecasts');
    const download = page.getByRole('link', { name: 'Download the preview package' });
    const packageUrl = new URL((await download.getAttribute('href')) ?? '', host.baseUrl);
    const downloaded = await fetch(packageUrl);
    expect(downloaded.status).toBe(200);
    await audit('preview', v);
    await page.goBack();

    await page.getByRole('button', { name: 'Go Live' }).click();
    await page
      .locator('#steps li[data-step="marketing-technical-validation"][data-state="Waiting"]')
      .waitFor({ timeout: STEP_WAIT });

    // Step 7: the marketing reviewer asks, the publisher answers, on the Status tab.
    await signInAs('marketing');
    await page.getByLabel('Question for the publisher').fill('Which regions does the app support?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.locator('.question-text', { hasText: 'Which regions' }).waitFor();
    await signInAs('publisher');
    await page.locator('.question-text', { hasText: 'Which regions' }).waitFor();
    if (v === 'desktop') await audit('status-questions', v);
    await page.getByLabel('Your answer to question 1').fill('Every region Business Central runs in.');
    await page.getByRole('button', { name: 'Answer', exact: true }).click();
    await page.locator('.answers li', { hasText: 'Every region' }).waitFor();

    // Both reviewers approve without typing anything.
    for (const reviewer of ['marketing', 'technical'] as const) {
      await signInAs(reviewer);
      await page.locator('#review-form').waitFor();
      expect(await page.locator('#review-comments').inputValue()).toBe('');
      if (reviewer === 'marketing') await audit('status-review', v);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.locator('#action-message', { hasText: 'decision is recorded' }).waitFor();
    }
    await signInAs('publisher');
    await page.locator('#steps li[data-step="live"][data-state="Succeeded"]').waitFor({ timeout: STEP_WAIT });
    // A live offer's main action is not a big Publish.
    expect(await page.getByRole('button', { name: 'Publish', exact: true }).getAttribute('class')).toContain(
      'secondary',
    );
    // Each email can be read in the table; it links to the offer's portal page.
    const firstEmail = page.locator('#emails-table tbody tr details').first();
    await firstEmail.locator('summary').click();
    expect(await firstEmail.locator('.email-body a').first().getAttribute('href')).toContain(
      `/api/portal#/offers/${offerId}`,
    );
    await audit('status-live', v);
  }

  for (const viewport of VIEWPORTS) {
    it(`walks from nothing to Live at ${viewport.width}x${viewport.height}`, async () => {
      await walk(viewport);
      expect(browser?.pageErrors).toEqual([]);
    }, 240_000);
  }

  it('finds no serious or critical accessibility violations in any view, in either viewport', () => {
    writeFileSync(path.join(ARTIFACTS, 'portal-axe.json'), JSON.stringify(audits, null, 2));
    expect(audits.length).toBeGreaterThanOrEqual(16);
    for (const a of audits)
      expect({ view: a.view, checked: a.passes >= 15 }).toEqual({ view: a.view, checked: true });
    const severe = audits.flatMap((a) =>
      a.violations
        .filter((x) => x.impact === 'serious' || x.impact === 'critical')
        .map((x) => `${a.view}@${a.viewport}: ${x.id} (${x.impact}) ${x.targets.join(', ')}`),
    );
    expect(severe).toEqual([]);
  });
});
