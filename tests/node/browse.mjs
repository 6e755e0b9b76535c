// Opens one page in the offline Chromium (chromium.mjs) and reports what a person would see.
//
//   node browse.mjs <page-url> [done-title]
//
// Waits for the load event and the network to go quiet, or, with done-title, until the page sets
// document.title to it (pages written for a test set `window.cigResult` first). Prints one JSON
// document: {ok, error?, status, title, text, result, requests, failedRequests, consoleErrors}.
// Exit status: 0 when the page loaded (and reached done-title), 1 otherwise, 2 on usage errors.
import { runCheck } from './chromium.mjs';

const STEP_TIMEOUT_MS = 20_000;
const TOTAL_TIMEOUT_MS = 60_000;

const [pageUrl, doneTitle] = process.argv.slice(2);
if (!pageUrl || !/^https?:\/\//.test(pageUrl)) {
  process.stderr.write('usage: node browse.mjs <page-url> [done-title]\n');
  process.exit(2);
}

const report = { ok: false, status: null, title: '', text: '', result: null, requests: [], failedRequests: [],
  consoleErrors: [] };
await runCheck(report, { stepTimeoutMs: STEP_TIMEOUT_MS, totalTimeoutMs: TOTAL_TIMEOUT_MS }, async (page) => {
  page.on('request', (request) => report.requests.push(`${request.method()} ${request.url()}`));
  page.on('requestfailed', (request) => report.failedRequests.push(
    `${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
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
  return true;
});
