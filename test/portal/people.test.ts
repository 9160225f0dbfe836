/**
 * Issue 30, as a publisher and both reviewers meet the portal in Chromium at 1440x900 and 390x844,
 * against the local host running the real app. Each item the trial reported is asserted where a
 * person meets it: words instead of API-speak beside the fields, a partial Save, the logo's size
 * at upload, the sample package, Publish landing on the Status tab, an email that stays open and
 * whose links are links, Go Live and Cancel (with a dialog whose buttons say what they do) never
 * showing the state they left, the reviewers' read-only offer, preview, decisions so far and their
 * own area only, Get help on a failure, the filter reset when the person changes, the skip link,
 * and a header on one line on a phone. On every view no message, heading or label may show an
 * HTTP route (outside the AL-Go delivery settings), "{", "null", "undefined" or a raw state name.
 * axe-core runs on every view; screenshots go to /work/notes/screens/ (for the closing note) and
 * the counts to /work/notes/screens/axe.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Locator, Page } from 'playwright-core';
import { supportLink } from '../../shared/domain/support';
import { OpenBrowser, openBrowser } from '../support/browser';
import { png } from '../support/images';
import { asPerson } from '../support/principals';
import { RunningHost, startHost } from '../support/host';
import { prepareOffer, publisherSteps } from '../support/scenario';

const SCREENS = process.env.PORTAL_SCREENS_DIR ?? path.resolve(__dirname, '../../test-artifacts/screens');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STEP_WAIT = 60_000;
const SUPPORT_URL = 'https://help.contoso-marketplace.example/tickets/new?source=portal';
const VIEWPORTS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;
type Viewport = (typeof VIEWPORTS)[number];

interface AuditRecord {
  view: string;
  viewport: string;
  passes: number;
  violations: { id: string; impact: string | null; targets: string[] }[];
  wording: string[];
}

/**
 * What a person must never read: routes, braces, null/undefined, raw state names. Email bodies
 * (the email as sent, links and all) and the AL-Go delivery settings (which must show the API base)
 * are left out; everything else visible on the page is read, dialogs included.
 */
const WORDING = `(() => {
  const skip = Array.from(document.querySelectorAll('#delivery-panel, .email-body'));
  const hidden = new Set();
  for (const node of skip) node.dataset.wordingSkip = '1';
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (!parent || parent.closest('[data-wording-skip], script, style')) continue;
    if (!parent.checkVisibility || !parent.checkVisibility()) continue;
    parts.push(n.textContent);
  }
  for (const c of document.querySelectorAll('input, textarea, select')) {
    if (c.closest('[data-wording-skip]')) continue;
    const label = c.labels && c.labels[0] ? c.labels[0].textContent : '';
    parts.push(label);
  }
  for (const node of skip) delete node.dataset.wordingSkip;
  const text = parts.join(' \\n ');
  const found = [];
  const rules = [
    [/\\b(GET|PUT|POST|PATCH|DELETE)\\s+\\//, 'an HTTP route'],
    [/\\/api\\//, 'an API path'],
    [/[{}]/, 'a brace'],
    [/\\bnull\\b/, 'null'],
    [/\\bundefined\\b/, 'undefined'],
    [/\\b(NotStarted|InProgress|WaitingForPublisher|WaitingForReview|OutboxOnly)\\b/, 'a raw state name'],
    [/see details/i, '"see details"'],
    [/Too (big|small): expected/, "a schema library's message"],
  ];
  for (const [rule, what] of rules) {
    const m = rule.exec(text);
    if (m) found.push(what + ': …' + text.slice(Math.max(0, m.index - 60), m.index + 60).replace(/\\s+/g, ' ') + '…');
  }
  return found;
})()`;

/** The text of the elements a control's aria-describedby names: its accessible description. */
async function description(control: Locator): Promise<string> {
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const parts: string[] = [];
  for (const id of ids)
    parts.push(((await control.page().locator(`[id="${id}"]`).textContent()) ?? '').trim());
  return parts.join(' ');
}

describe('the portal speaks to people (issue 30)', () => {
  let host: RunningHost;
  let browser: OpenBrowser | undefined;
  let page: Page;
  const audits: AuditRecord[] = [];

  beforeAll(async () => {
    host = await startHost({ env: { SUPPORT_URL } });
    browser = await openBrowser('portal-people', VIEWPORTS[0]);
    page = browser.page;
    await page.route(/\/api\/portal\/assets\/axe-under-test\.js$/, (route) =>
      route.fulfill({ status: 200, contentType: 'text/javascript', body: AXE }),
    );
    mkdirSync(SCREENS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    writeFileSync(path.join(SCREENS, 'axe.json'), JSON.stringify(audits, null, 2));
    await browser?.close();
    await host?.stop();
  });

  /** axe, the wording rules and a screenshot of the page as it is now. */
  async function audit(view: string, v: string): Promise<void> {
    const fullPage = v === 'desktop' && !view.endsWith('dialog');
    await page.screenshot({ path: path.join(SCREENS, `${view}-${v}.png`), fullPage });
    if ((await page.evaluate('typeof window.axe')) === 'undefined')
      await page.addScriptTag({ url: `${host.baseUrl}/api/portal/assets/axe-under-test.js` });
    const result = await page.evaluate<{
      passes: number;
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    }>(
      `axe.run(document).then((r) => ({ passes: r.passes.length, violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => ({ target: n.target })) })) }))`,
    );
    const wording = await page.evaluate<string[]>(WORDING);
    audits.push({
      view,
      viewport: v,
      passes: result.passes,
      violations: result.violations.map((x) => ({
        id: x.id,
        impact: x.impact,
        targets: x.nodes.map((n) => n.target.join(' ')),
      })),
      wording,
    });
    expect({ view, v, wording }).toEqual({ view, v, wording: [] });
  }

  const field = (name: string) => page.getByLabel(name, { exact: true });
  const signInAs = (who: 'publisher' | 'marketing' | 'technical') =>
    page.getByLabel('Sign in as').selectOption(who);
  const summary = () => page.locator('#status-summary');

  /** The header's visible parts share one line: nothing wrapped under the brand. */
  async function headerOnOneLine(): Promise<void> {
    const rows = await page.evaluate<number[]>(
      `Array.from(document.querySelectorAll('header.top > *')).filter((e) => e.checkVisibility()).map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))`,
    );
    expect(Math.max(...rows) - Math.min(...rows)).toBeLessThanOrEqual(4);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  }

  async function publisherWalk(vp: Viewport): Promise<string> {
    const v = vp.name;
    const offerId = `people-${v}`;
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await page.goto(`${host.baseUrl}/api/portal#/offers`);
    await signInAs('publisher');
    await page.locator('#offers-summary', { hasText: /offer/ }).waitFor();
    await headerOnOneLine();
    await audit('offers', v);

    // A new, empty offer is not a red box of faults; its heading says what it is.
    await page.getByRole('button', { name: 'New offer' }).click();
    await field('Offer id').fill(offerId);
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    await page.locator(`html[data-editor-offer="${offerId}"]`).waitFor({ state: 'attached' });
    expect(await page.locator('#editor-warnings').isHidden()).toBe(true);
    expect(await page.locator('h1').textContent()).toBe(`New offer ${offerId}`);
    await audit('editor-new', v);

    // Save is not all or nothing: four categories are refused beside the field, the rest is kept.
    await field('Name').fill('Contoso Sales Insights');
    await field('Summary').fill('Sales dashboards for Business Central');
    await field('Categories').fill('Sales, Finance, Operations, Service');
    await field('Support URL').fill('https://contoso.example/support');
    await field('Privacy policy URL').fill('https://contoso.example/privacy');
    await field('EULA URL').fill('https://contoso.example/eula');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('#editor-message', { hasText: 'Saved, except 1 field' }).waitFor();
    expect(await description(field('Categories'))).toContain('Choose at most 3 categories.');
    expect(await field('Categories').getAttribute('aria-invalid')).toBe('true');
    const partly = await host.request('GET', `/api/offers/${offerId}`, undefined, asPerson('ann'));
    expect(partly.json()).toMatchObject({
      name: 'Contoso Sales Insights',
      supportUrl: 'https://contoso.example/support',
    });
    expect(partly.json<{ categories?: unknown }>().categories).toBeUndefined();
    await audit('editor-refused', v);
    await field('Categories').fill('Sales, Finance');

    // Check names the missing package in the portal's words, beside Package.
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await page.locator('#editor-message', { hasText: /Check: \d+ things? to fix/ }).waitFor();
    expect(await description(field('Package'))).toContain(
      'choose your .app under Package and press Upload package',
    );

    // The logo's size is told when it is chosen, and a wrong one is not taken.
    await field('Logo').setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: png(1280, 720) });
    await page.locator('#logo-upload-message', { hasText: 'not uploaded' }).waitFor();
    expect(await description(field('Logo'))).toContain('1280x720 pixels');
    expect(await page.getByRole('img', { name: /^Logo wide\.png/ }).count()).toBe(0);
    await field('Logo').setInputFiles({ name: 'logo-216.png', mimeType: 'image/png', buffer: png(216, 216) });
    await page.getByRole('img', { name: /^Logo logo-216\.png/ }).waitFor();
    await field('Screenshots').setInputFiles({
      name: 'shot-1.png',
      mimeType: 'image/png',
      buffer: png(1280, 720),
    });
    await page.locator('#screenshots-upload-message', { hasText: 'press Save' }).waitFor();

    // A broken package: its report shows no literal null.
    await field('Package').setInputFiles({
      name: 'broken.app',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not an app at all'),
    });
    await page.getByRole('button', { name: 'Upload package' }).click();
    await page.locator('#package-report[data-state="Failed"]').waitFor({ timeout: STEP_WAIT });
    expect(await page.locator('#package-report').innerText()).not.toMatch(/\bnull\b/);
    await audit('editor-package-failed', v);

    // No .app of one's own: the sample, from the portal.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download a sample package' }).click(),
    ]);
    const sample = readFileSync((await download.path()) ?? '');
    expect(sample.subarray(0, 4).toString('latin1')).toBe('NAVX');
    expect(download.suggestedFilename()).toMatch(/\.app$/);
    await field('Package').setInputFiles({
      name: download.suggestedFilename(),
      mimeType: 'application/octet-stream',
      buffer: sample,
    });
    await page.getByRole('button', { name: 'Upload package' }).click();
    await page.locator('#package-report[data-state="Passed"]').waitFor({ timeout: STEP_WAIT });
    await page.getByRole('button', { name: 'Copy from the package' }).click();

    // Save: the upload line that asked for it goes away.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('#editor-message', { hasText: /^Saved at/ }).waitFor();
    expect(await page.locator('#screenshots-upload-message').textContent()).toBe('');
    expect(await page.locator('h1').textContent()).toBe('Contoso Sales Insights');

    // Publish: the email is pre-filled; a bad one is refused beside it, in words.
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    expect(await field('Notification email').inputValue()).toBe('ann@contoso.com');
    await field('Notification email').fill('ann@contoso');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await page.getByRole('dialog').locator('[role="alert"]', { hasText: 'Enter an email address' }).waitFor();
    expect(await description(field('Notification email'))).toContain(
      'Enter an email address, such as ann@contoso.com.',
    );
    await audit('publish-dialog', v);
    await field('Notification email').fill('ann@contoso.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();

    // After Publish the Status tab follows; step 1 fails on the missing description, with Get help.
    await page.waitForURL(new RegExp(`#/offers/${offerId}$`));
    await page.locator('#error-panel:not([hidden])').waitFor({ timeout: STEP_WAIT });
    expect(await page.locator('h1').textContent()).toBe('Status of Contoso Sales Insights');
    expect(await page.locator('#error-details').innerText()).toContain(
      'Description: Required to publish: fill it in.',
    );
    const failed = (
      await host.request('GET', `/api/offers/${offerId}/status`, undefined, asPerson('ann'))
    ).json<{ submissionId: string; error: { step: string; code: string } }>();
    const help = await page.getByRole('link', { name: 'Get help' }).getAttribute('href');
    expect(help).toBe(
      supportLink(SUPPORT_URL, {
        offerId,
        submissionId: failed.submissionId,
        step: failed.error.step,
        code: failed.error.code,
      }),
    );
    expect(new URL(help ?? '').searchParams.get('step')).toBe('validate-prerequisites');
    await audit('status-failed', v);

    // The skip link moves focus to the content; the page stays where it is.
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    expect(await page.locator('h1').textContent()).toBe('Status of Contoso Sales Insights');

    // The failure's details are beside their fields in the Editor; fix and publish again.
    await page.locator('#error-fix a', { hasText: 'Editor' }).click();
    await page.locator(`html[data-editor-offer="${offerId}"]`).waitFor({ state: 'attached' });
    expect(await description(field('Description'))).toContain('Required to publish: fill it in.');
    await field('Description').fill('Dashboards and forecasts for your sales team.');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    expect(await field('Notification email').inputValue()).toBe('ann@contoso.com');
    await page.getByRole('dialog').getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(new RegExp(`#/offers/${offerId}$`));
    await page.getByRole('button', { name: 'Go Live' }).waitFor({ timeout: STEP_WAIT });
    expect(await summary().innerText()).toContain('waiting for your Go Live');
    await audit('status-signoff', v);

    // An opened email stays open through the page's refreshes; its links are links.
    const email = page.locator('#emails-table tbody tr details').first();
    await email.locator('summary').click();
    const portalLink = email.locator('.email-body a', { hasText: `/api/portal#/offers/${offerId}` }).first();
    expect(await portalLink.getAttribute('href')).toContain(`/api/portal#/offers/${offerId}`);
    const refreshed = page.waitForResponse((r) => r.url().endsWith(`/offers/${offerId}/notifications`), {
      timeout: 20_000,
    });
    await refreshed;
    await page.waitForTimeout(300); // the rest of that refresh is drawn in the same task
    expect(await email.getAttribute('open')).not.toBeNull();
    await audit('status-email', v);

    // Go Live: the page never goes back to "waiting for your Go Live".
    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.locator('#action-message', { hasText: 'Go Live accepted' }).waitFor();
    const seen: string[] = [];
    while (
      !(await page
        .locator('#steps li[data-step="marketing-technical-validation"][data-state="Waiting"]')
        .count())
    ) {
      seen.push(await summary().innerText());
      await page.waitForTimeout(100);
    }
    seen.push(await summary().innerText());
    expect(seen.filter((t) => /waiting for your Go Live/.test(t))).toEqual([]);
    return offerId;
  }

  async function reviewersWalk(vp: Viewport, offerId: string): Promise<void> {
    const v = vp.name;
    // The marketing reviewer's queue; the filter does not follow the next person.
    await page.goto(`${host.baseUrl}/api/portal#/offers`);
    await signInAs('marketing');
    await page.getByLabel('Filter by state').selectOption('WaitingForReview');
    await page.locator(`#offers-table tr[data-offer-id="${offerId}"]`).waitFor();
    await audit('offers-review-queue', v);

    await page.locator(`#offers-table tr[data-offer-id="${offerId}"] a`).click();
    await page.locator(`html[data-status-offer="${offerId}"]`).waitFor({ state: 'attached' });
    await page.locator('#review-form:not([hidden])').waitFor();
    // Their own area only: no choice of area, the form names it.
    expect(await page.locator('#review-area-field').isHidden()).toBe(true);
    expect(await page.locator('#review-legend').textContent()).toBe('Your review: marketing');
    expect(await page.locator('#delivery-panel').isHidden()).toBe(true);
    await page.getByRole('link', { name: 'Open the preview' }).waitFor();
    expect(await page.locator('#reviews li[data-area="marketing"]').innerText()).toContain('Pending');

    // The offer, read-only: no Save, Publish or upload.
    await page.getByRole('link', { name: 'Offer', exact: true }).click();
    await page.locator(`html[data-editor-offer="${offerId}"]`).waitFor({ state: 'attached' });
    expect(await field('Name').isDisabled()).toBe(true);
    for (const name of ['Save', 'Publish', 'Check', 'Upload package'])
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    await audit('offer-readonly', v);
    await page.getByRole('link', { name: 'Status', exact: true }).click();
    await page.locator('#review-form:not([hidden])').waitFor();

    // The preview the marketing review judges.
    await page.getByRole('link', { name: 'Open the preview' }).click();
    await page.locator('#preview-title', { hasText: 'Contoso Sales Insights' }).waitFor();
    await audit('preview-reviewer', v);
    await page.goBack();
    await page.locator('#review-form:not([hidden])').waitFor();

    // A question: the one who asked is not offered "Your answer".
    await page.getByLabel('Question for the publisher').fill('Which regions does the app support?');
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.locator('.question-text', { hasText: 'Which regions' }).waitFor();
    expect(await page.getByLabel('Your answer to question 1').count()).toBe(0);
    expect(await page.getByLabel('Reply to question 1').count()).toBe(0);

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#action-message', { hasText: 'Your marketing decision is recorded' }).waitFor();
    await page.locator('#reviews li[data-area="marketing"]', { hasText: 'Approved' }).waitFor();
    await page.locator('#review-form').waitFor({ state: 'hidden' });
    await audit('status-marketing-decided', v);

    // The publisher answers; the filter chosen by the reviewer is gone.
    await signInAs('publisher');
    await page.locator('.question-text', { hasText: 'Which regions' }).waitFor();
    await page.getByLabel('Your answer to question 1').fill('Every region Business Central runs in.');
    await page.getByRole('button', { name: 'Answer', exact: true }).click();
    await page.locator('.answers li', { hasText: 'Every region' }).waitFor();
    await page.getByRole('link', { name: 'All offers' }).first().click();
    await page.locator('#offers-summary', { hasText: /offer/ }).waitFor();
    expect(await page.getByLabel('Filter by state').inputValue()).toBe('');

    // The technical reviewer reads step 7 as it is: marketing approved, technical to come.
    await signInAs('technical');
    await page.goto(`${host.baseUrl}/api/portal#/offers/${offerId}`);
    await page.locator('#review-form:not([hidden])').waitFor();
    await headerOnOneLine();
    const step7 = page.locator('#steps li[data-step="marketing-technical-validation"]');
    expect(await step7.innerText()).toContain('Marketing approved; waiting for the technical review.');
    expect(await step7.innerText()).not.toContain('Waiting for the marketing and technical reviews');
    expect(await page.locator('#review-legend').textContent()).toBe('Your review: technical');
    expect(await page.locator('#reviews li[data-area="marketing"]').innerText()).toContain('Approved');
    await audit('status-technical-review', v);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('#action-message', { hasText: 'Your technical decision is recorded' }).waitFor();

    await signInAs('publisher');
    await page.locator('#steps li[data-step="live"][data-state="Succeeded"]').waitFor({ timeout: STEP_WAIT });
    await audit('status-live', v);
  }

  async function cancelWalk(vp: Viewport): Promise<void> {
    const v = vp.name;
    const offerId = `people-cancel-${v}`;
    const p = await prepareOffer(host.baseUrl, offerId);
    expect((await p.publish()).status).toBe(202);
    await p.waitForState(['WaitingForPublisher'], STEP_WAIT);
    await page.goto(`${host.baseUrl}/api/portal#/offers/${offerId}`);
    await signInAs('publisher');
    await page.getByRole('button', { name: 'Cancel submission' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Keep the submission' }).waitFor();
    expect(await dialog.getByRole('button', { name: 'Cancel submission' }).count()).toBe(1);
    expect(await dialog.getByRole('button', { name: /^(OK|Cancel)$/ }).count()).toBe(0);
    await audit('cancel-dialog', v);
    await dialog.getByRole('button', { name: 'Keep the submission' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await p.status()).state).toBe('WaitingForPublisher');

    await page.getByRole('button', { name: 'Cancel submission' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel submission' }).click();
    await page.locator('#action-message', { hasText: 'Cancel accepted' }).waitFor();
    const seen: string[] = [];
    while (!(await summary().locator('.state-chip.Canceled').count())) {
      seen.push(await summary().innerText());
      await page.waitForTimeout(100);
    }
    expect(seen.filter((t) => /waiting for your Go Live/.test(t))).toEqual([]);
    await audit('status-canceled', v);
  }

  for (const vp of VIEWPORTS) {
    it(`walks the publisher's and both reviewers' flows at ${vp.width}x${vp.height}`, async () => {
      const offerId = await publisherWalk(vp);
      await reviewersWalk(vp, offerId);
      await cancelWalk(vp);
      expect(browser?.pageErrors).toEqual([]);
    }, 420_000);
  }

  it('finds no accessibility violation in any view, in either size', () => {
    expect(audits.length).toBeGreaterThanOrEqual(30);
    const found = audits.flatMap((a) =>
      a.violations.map((x) => `${a.view}@${a.viewport}: ${x.id} (${x.impact}) ${x.targets.join(', ')}`),
    );
    expect(found).toEqual([]);
    for (const a of audits)
      expect({ view: a.view, checked: a.passes >= 15 }).toEqual({ view: a.view, checked: true });
  });

  it('serves the sample package in local mode only, for the app identity asked', async () => {
    const appId = '0b6f1c9e-5d4a-4f3b-9c2e-7a8d6e5f4c3b';
    const sample = await fetch(`${host.baseUrl}/api/sample-package?appId=${appId}&version=2.0.0.0`);
    expect(sample.status).toBe(200);
    expect(sample.headers.get('content-disposition')).toContain('SalesInsights_2.0.0.0.app');
    const bytes = Buffer.from(await sample.arrayBuffer());
    expect(bytes.includes(Buffer.from(`Id="${appId}"`))).toBe(false); // inside the deflated manifest
    const steps = publisherSteps(host.baseUrl, 'people-sample');
    await steps.describe({
      app: { id: appId, name: 'Sales Insights', publisher: 'Contoso', version: '2.0.0.0' },
    });
    const put = await steps.call('ann', 'PUT', '/api/offers/people-sample/package', bytes);
    expect(put.status).toBe(202);
    const report = await steps.packageValidated(STEP_WAIT);
    expect(report).toMatchObject({ state: 'Passed', manifest: { id: appId, version: '2.0.0.0' } });
    const bad = await fetch(`${host.baseUrl}/api/sample-package?version=two`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'invalid_request', details: [{ path: 'version' }] },
    });
  }, 120_000);
});
