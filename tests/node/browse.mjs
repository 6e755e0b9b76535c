// Opens one page in the offline Chromium (chromium.mjs) and reports what a person would see.
//
//   node browse.mjs <page-url> [done-title]
//
// Waits for the load event and the network to go quiet, or, with done-title, until the page sets
// document.title to it (pages written for a test set `window.cigResult` first). Prints one JSON
// document: {ok, error?, status, title, text, result, requests, failedRequests, consoleErrors}.
// Exit status: 0 when the page loaded (and reached done-title), 1 otherwise, 2 on usage errors.
import { launchOfflineChromium } from './chromium.mjs';

const STEP_TIMEOUT_MS = 20_000;
const TOTAL_TIMEOUT_MS = 60_000;

const [pageUrl, doneTitle] = process.argv.slice(2);
if (!pageUrl || !/^https?:\/\//.test(pageUrl)) {
  process.stderr.write('usage: node browse.mjs <page-url> [done-title]\n');
  process.exit(2);
}

const report = { ok: false, status: null, title: '', text: '', result: null, requests: [], failedRequests: [],
  consoleErrors: [] };
let browser;
const watchdog = setTimeout(() => {
  report.error = `gave up after ${TOTAL_TIMEOUT_MS} ms`;
  finish(1);
}, TOTAL_TIMEOUT_MS);

async function finish(code) {
  clearTimeout(watchdog);
  await browser?.close();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exit(code);
}

try {
  browser = await launchOfflineChromium(STEP_TIMEOUT_MS);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on('request', (request) => report.requests.push(`${request.method()} ${request.url()}`));
  page.on('requestfailed', (request) => report.failedRequests.push(
    `${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
  page.on('console', (message) => {
    if (message.type() === 'error') report.consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => report.consoleErrors.push(`page error: ${error.message}`));
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  report.status = response?.status() ?? null;
  if (doneTitle) {
    await page.waitForFunction((title) => document.title === title, doneTitle);
  } else {
    await page.waitForLoadState('networkidle');
  }
  report.title = await page.title();
  report.text = (await page.locator('body').innerText()).slice(0, 4000);
  report.result = await page.evaluate(() => window.cigResult ?? null);
  report.ok = true;
  await finish(0);
} catch (error) {
  report.error = String(error?.stack ?? error).slice(0, 4000);
  await finish(1);
}
