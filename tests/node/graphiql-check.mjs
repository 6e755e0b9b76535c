// Drives the service's GraphiQL page in a real headless Chromium, as a user would.
//
//   node graphiql-check.mjs <graphql-page-url> <screenshot.png> [query]
//
// Opens the page, waits for GraphiQL's editor, notes the query it opened with and whether the
// documentation explorer is open, types the query with the keyboard, clicks the run button, waits
// for the result pane to show "totalCount", closes and reopens the documentation explorer, follows
// it to the Query type and saves a screenshot. Prints one JSON document on stdout:
//   {ok, error?, initialQuery, docsOpenAtStart, resultText, docsText, consoleErrors, requests,
//    externalRequests, screenshot}
// The browser has no internet (chromium.mjs), so a page that needs a CDN fails here.
// `requests` lists every URL the page asked for, `externalRequests` those to another origin than
// the page's (they fail at the network). Chromium is Debian's (/usr/bin/chromium, or CIG_CHROMIUM);
// nothing is downloaded. Exit status: 0 when the check passed, 1 when it failed, 2 on usage errors.
import { runCheck } from './chromium.mjs';

const DEFAULT_QUERY = '{ images(first: 3) { totalCount edges { node { name provider } } } }';
const STEP_TIMEOUT_MS = 20_000;
const TOTAL_TIMEOUT_MS = 90_000;

const [pageUrl, screenshotPath, query = DEFAULT_QUERY] = process.argv.slice(2);
if (!pageUrl || !/^https?:\/\//.test(pageUrl) || !screenshotPath) {
  process.stderr.write('usage: node graphiql-check.mjs <graphql-page-url> <screenshot.png> [query]\n');
  process.exit(2);
}

const report = {
  ok: false,
  initialQuery: '',
  docsOpenAtStart: false,
  resultText: '',
  docsText: '',
  consoleErrors: [],
  requests: [],
  externalRequests: [],
  screenshot: screenshotPath,
};
const origin = new URL(pageUrl).origin;
await runCheck(report, { stepTimeoutMs: STEP_TIMEOUT_MS, totalTimeoutMs: TOTAL_TIMEOUT_MS }, async (page) => {
  page.on('request', (request) => {
    const url = request.url();
    report.requests.push(`${request.method()} ${url}`);
    if (!url.startsWith('data:') && new URL(url).origin !== origin) report.externalRequests.push(url);
  });

  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!response || response.status() !== 200) throw new Error(`page answered ${response?.status()}`);

  // GraphiQL has rendered once its query editor (CodeMirror 5) exists.
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.waitFor({ state: 'visible' });
  report.initialQuery = await editor.evaluate((element) => element.CodeMirror.getValue());
  const docs = page.locator('.graphiql-doc-explorer');
  report.docsOpenAtStart = await docs.isVisible();

  // Type as a user would. CodeMirror closes brackets itself, so only the opening ones are typed
  // (with a closing bracket typed, CodeMirror steps over the one it inserted). GraphiQL's
  // completion menu is closed before each newline so Enter never picks a suggestion.
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(query, { delay: 5 });
  await page.keyboard.press('Escape');
  const typed = await editor.evaluate((element) => element.CodeMirror.getValue());
  if (typed.replace(/\s+/g, ' ').trim() !== query.replace(/\s+/g, ' ').trim()) {
    throw new Error(`the editor holds ${JSON.stringify(typed)} after typing ${JSON.stringify(query)}`);
  }
  await page.locator('button.graphiql-execute-button').click();

  const result = page.locator('.graphiql-response .CodeMirror');
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('totalCount'),
    null,
    { timeout: STEP_TIMEOUT_MS },
  );
  report.resultText = await result.evaluate((element) => element.CodeMirror.getValue());

  // The documentation explorer: the user can close it and open it again (it is not stuck open),
  // then follow the root type to its fields.
  const docsButton = page.getByRole('button', { name: /documentation explorer/i });
  if (await docs.isVisible()) {
    await docsButton.click();
    await docs.waitFor({ state: 'hidden' });
  }
  await docsButton.click();
  await docs.getByRole('link', { name: 'Query', exact: true }).click();
  await docs.getByText('images', { exact: true }).first().waitFor({ state: 'visible' });
  report.docsText = (await docs.innerText()).slice(0, 4000);

  await page.screenshot({ path: screenshotPath, fullPage: false });
  report.ok = report.consoleErrors.length === 0 && report.externalRequests.length === 0;
  return report.ok;
});
