/**
 * Debian's chromium driven by playwright-core (no browser download). Tests
 * skip with a clear message when /usr/bin/chromium is missing (.ci/run
 * installs it with apt-get).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.FLINT_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);
export const NO_CHROMIUM_REASON = `browser tests skipped: no chromium at ${CHROMIUM} (install it with \`apt-get install -y chromium\`, or set FLINT_CHROMIUM)`;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** Numbers of the elements matching `selector`'s text (e.g. counts in cells). */
export async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allTextContents();
}

/**
 * docs/screenshots/ when FLINT_UPDATE_SCREENSHOTS=1 (to refresh the committed
 * ones), else a directory under the system temp dir, so test runs leave the
 * work tree as it was.
 */
export const SCREENSHOT_DIR =
  process.env.FLINT_UPDATE_SCREENSHOTS === '1' ? path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../docs/screenshots') : path.join(os.tmpdir(), 'flint-ui-screenshots');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Collects page errors so a test can assert none happened. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return errors;
}
