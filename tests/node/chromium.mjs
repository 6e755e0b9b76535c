// Debian's Chromium (/usr/bin/chromium, or CIG_CHROMIUM), headless, with a fresh profile and no
// internet: every host name but 127.0.0.1 resolves to nothing, and whatever is not loopback would
// go through a proxy on a closed port. Enforced by Chromium's network stack, so a page that needs a
// CDN fails exactly as it would on an air-gapped machine. Nothing is downloaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
];

// Returns {context, close}; close() ends the browser and removes its profile, and never throws.
export async function launchOfflineChromium(stepTimeoutMs) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'cig-chromium-'));
  let context;
  const close = async () => {
    try {
      await context?.close();
    } catch {
      // already gone
    }
    rmSync(userDataDir, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CIG_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1400, height: 900 },
      timeout: stepTimeoutMs,
    });
  } catch (error) {
    await close();
    throw error;
  }
  context.setDefaultTimeout(stepTimeoutMs);
  return { context, close };
}

// Runs `check(page)` on a fresh page of the offline Chromium, under a watchdog so a hung browser
// never hangs the test run. The page's console errors and uncaught exceptions go to
// `report.consoleErrors`; `check` fills the rest of `report` and returns whether the check passed. Prints
// `report` as one JSON document (with `error` when something threw or timed out) and exits 0 when
// the check passed, 1 otherwise.
export async function runCheck(report, { stepTimeoutMs, totalTimeoutMs }, check) {
  let browser;
  const finish = async (code) => {
    clearTimeout(watchdog);
    await browser?.close();
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exit(code);
  };
  const watchdog = setTimeout(() => {
    report.error = `gave up after ${totalTimeoutMs} ms`;
    finish(1);
  }, totalTimeoutMs);
  try {
    browser = await launchOfflineChromium(stepTimeoutMs);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    report.consoleErrors = [];
    page.on('console', (message) => {
      if (message.type() === 'error') report.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => report.consoleErrors.push(`page error: ${error.message}`));
    await finish((await check(page)) ? 0 : 1);
  } catch (error) {
    report.error = String(error?.stack ?? error).slice(0, 4000);
    await finish(1);
  }
}
