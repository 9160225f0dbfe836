/**
 * The Webhooks page (portal/webhooks-view.js) in a real browser against the local host: add an
 * endpoint, see its secret once, ping it, see the delivery, redeliver it. Another part of the
 * portal adds the page to the navigation; here it is rendered into the portal page directly.
 */
import type { Page } from 'playwright-core';
import { OpenBrowser, openBrowser } from '../support/browser';
import { RunningHost, startHost } from '../support/host';
import { eventually } from '../workflow/flow';
import { Receiver, startReceiver } from './receiver';

jest.setTimeout(120_000);

let host: RunningHost;
let browser: OpenBrowser;
let receiver: Receiver;
let page: Page;

beforeAll(async () => {
  host = await startHost();
  receiver = await startReceiver();
  browser = await openBrowser('webhooks-view', { width: 1200, height: 900 });
  page = browser.page;
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await host?.stop();
});

it('adds an endpoint, shows its secret once, pings it and redelivers the ping', async () => {
  await page.goto(`${host.baseUrl}/api/portal`);
  // A string, so that TypeScript leaves the browser's dynamic imports alone.
  await page.evaluate(`(async () => {
    const view = await import('/api/portal/assets/webhooks-view.js');
    const client = await import('/api/portal/assets/api.js');
    const root = document.createElement('main');
    document.body.replaceChildren(root);
    await view.renderWebhooks(root, client.api);
  })()`);
  await page.getByLabel('URL (https)').fill(receiver.url);
  await page.getByLabel('Description').fill('CI hook');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  const secret = await page.locator('#webhook-secret code').textContent();
  expect(secret).toMatch(/^whsec_/);
  receiver.secrets.push(secret ?? '');
  const item = page.locator('li.webhook', { hasText: 'CI hook' });
  await expect(item.textContent()).resolves.toContain('all events');
  await expect(item.textContent()).resolves.not.toContain(secret ?? '');

  await item.getByRole('button', { name: 'Ping' }).click();
  await eventually(async () => (receiver.unique().length === 1 ? true : undefined), 'the ping');
  const row = item.locator('tr', { hasText: 'webhook.ping' });
  await eventually(async () => {
    await item.getByRole('button', { name: 'Deliveries' }).click();
    return (await row.count()) === 1 && (await row.textContent())?.includes('Succeeded') ? true : undefined;
  }, 'the delivery in the log');
  expect(await row.textContent()).toContain('HTTP 200');
  await row.getByRole('button', { name: 'Redeliver' }).click();
  await eventually(async () => (receiver.received.length === 2 ? true : undefined), 'the redelivery');
  expect(receiver.received.map((r) => r.id)).toEqual([receiver.received[0]?.id, receiver.received[0]?.id]);
  expect(receiver.received.every((r) => r.verified)).toBe(true);
  expect(browser.pageErrors).toEqual([]);
});
