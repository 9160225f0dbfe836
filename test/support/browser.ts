/**
 * Debian's chromium (/usr/bin/chromium) driven by playwright-core, which never downloads a browser.
 * The flags keep it off this closed network (background fetches, updates, QUIC) and let it run as root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

export interface OpenBrowser {
  context: BrowserContext;
  /** The first page; its script errors are collected in `pageErrors`. */
  page: Page;
  pageErrors: string[];
  close(): Promise<void>;
}

export async function openBrowser(
  name: string,
  viewport: { width: number; height: number },
): Promise<OpenBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    pageErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
