import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from './files.js';

/** Debian's Chromium, driven by playwright-core (no browser download: the project installs the package). */
export const chromiumPath = '/usr/bin/chromium';

/** Where tests keep what a person may want to look at afterwards (screenshots); gitignored. */
export const artifactsDir = join(repoRoot, 'test-artifacts');

/**
 * Makes sure Chromium is installed: as root, `apt-get install -y chromium` (after `apt-get update` if the
 * first try finds no package). Returns null when it is there, else why it is not — the caller skips
 * locally and fails under CI=true, where a missing browser must not pass as green.
 */
export function ensureChromium(): string | null {
  if (existsSync(chromiumPath)) return null;
  if (process.getuid?.() !== 0) return `${chromiumPath} is missing and installing it needs root`;
  const install = (): boolean =>
    spawnSync('apt-get', ['install', '-y', '-q', 'chromium'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 15 * 60_000,
    }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', timeout: 10 * 60_000 });
    install();
  }
  return existsSync(chromiumPath) ? null : `apt-get install chromium did not give ${chromiumPath}`;
}

/**
 * A headless Chromium with a fresh profile and no background traffic of its own (no component updates,
 * sync or field trials), so every request a page makes is the page's.
 */
export async function launchChromium(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'rampart-chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What a page did while it loaded: console errors, uncaught errors, and requests other than file/data. */
export interface PageWatch {
  readonly errors: string[];
  readonly requests: string[];
}

/**
 * Opens a local file in a new page, failing (aborting) and recording every request that is not a
 * file: or data: URL, and recording console errors and uncaught exceptions.
 */
export async function openWatched(
  ctx: BrowserContext,
  file: string,
): Promise<{ page: Page; watch: PageWatch }> {
  const page = await ctx.newPage();
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(m.text());
  });
  page.on('pageerror', (e) => watch.errors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    watch.requests.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  return { page, watch };
}

/** A screenshot kept under test-artifacts/ (the path is returned for the test's diagnostics). */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, name);
  await page.screenshot({ path, fullPage: false });
  return path;
}
