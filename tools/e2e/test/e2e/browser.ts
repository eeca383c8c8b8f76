import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

/** The repository root: screenshots go to reports/screenshots (git-ignored, kept by CI). */
const root = join(import.meta.dirname, '..', '..', '..', '..');

/** Debian's chromium package (.ci/run installs it); Playwright never downloads a browser here. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * One headless Chromium for a whole spec; each flow gets its own context (cookies, language,
 * viewport), which is cheap, so flows run side by side on two cores.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Root in a container: Chromium's sandbox needs user namespaces it may not have; /dev/shm
    // may be small.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export function screenshotDir(suite: string): string {
  const dir = join(root, 'reports', 'screenshots', suite);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Full-page PNG under reports/screenshots/<suite>/<name>.png. */
export async function screenshot(page: Page, suite: string, name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir(suite), `${name}.png`), fullPage: true });
}

/** Text as a reader sees it: every run of spaces (incl. the no-break ones Intl uses) as one. */
export function normalizeSpaces(text: string | null): string {
  return (text ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

/**
 * Moves focus with the Tab key only until `selector` has it; fails when it never does (an
 * element the keyboard cannot reach).
 */
export async function tabTo(page: Page, selector: string, maxPresses = 40): Promise<void> {
  for (let i = 0; i < maxPresses; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/**
 * axe-core's WCAG 2.1 A and AA rules on the page as it is now (labels, contrast, lang, names of
 * links, buttons and images, ...): each violation as "rule: selectors", so a failure says where.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
