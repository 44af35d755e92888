// A real Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for
// the client checks: the app served on loopback, a fresh context per test that
// refuses and records any request to another origin, records console errors,
// and a scenario wrapper that fails on either and saves a screenshot.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../src/app';
import { contractChecked } from './contract';

const ARTIFACTS = path.join(__dirname, '..', 'e2e', 'artifacts');

export interface BrowserHarness {
  origin: () => string;
  page: () => Page;
  /** Runs a UI scenario; fails on console errors or off-origin requests; on failure saves a full-page screenshot. */
  scenario: (run: () => Promise<void>) => Promise<void>;
}

/**
 * Registers beforeAll/afterAll/beforeEach/afterEach for a suite. `ignoreConsole`
 * lets a suite accept console lines it provokes on purpose (e.g. a 401 it tests).
 */
export function useBrowser(options: { viewport?: { width: number; height: number }; ignoreConsole?: (text: string) => boolean } = {}): BrowserHarness {
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let browserErrors: string[] = [];
  let externalRequests: string[] = [];

  beforeAll(async () => {
    server = contractChecked(createApp()).listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  beforeEach(async () => {
    context = await browser.newContext({ baseURL: origin, viewport: options.viewport ?? { width: 1280, height: 900 } });
    context.setDefaultTimeout(15_000);
    externalRequests = [];
    await context.route(
      (url) => url.origin !== origin,
      (route) => {
        externalRequests.push(route.request().url());
        return route.abort();
      },
    );
    page = await context.newPage();
    browserErrors = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !options.ignoreConsole?.(message.text())) browserErrors.push(message.text());
    });
    page.on('pageerror', (error) => browserErrors.push(error.message));
  });

  afterEach(async () => {
    await context?.close();
  });

  return {
    origin: () => origin,
    page: () => page,
    scenario: async (run) => {
      try {
        await run();
        expect(browserErrors).toEqual([]);
        expect(externalRequests).toEqual([]);
      } catch (error) {
        const name = (expect.getState().currentTestName ?? 'browser').replace(/[^\w.-]+/g, '-').slice(0, 150);
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true }).catch(() => undefined);
        if (browserErrors.length) console.error(`Browser console:\n${browserErrors.join('\n')}`);
        throw error;
      }
    },
  };
}
