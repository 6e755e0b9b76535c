// The official GraphQL-over-HTTP server audit (graphql-http's auditServer) against one URL.
//
//   node audit.mjs http://127.0.0.1:8000/graphql [--header 'Authorization: Bearer k1']...
//
// Prints one JSON document on stdout: {url, counts: {ok, notice, warn, error}, results: [...]},
// each result {id, name, requirement: MUST|SHOULD|MAY, status: ok|notice|warn|error, reason?,
// response?: {status, headers, body}}. Exits 0 when the audit ran (whatever it found), 2 on usage
// errors, 1 when the audit itself could not run.
import { auditServer } from 'graphql-http';

const TIMEOUT_MS = 10_000;

function usage(message) {
  process.stderr.write(`${message}\nusage: node audit.mjs <graphql-url> [--header 'Name: value']...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const url = args.shift();
if (!url || !/^https?:\/\//.test(url)) usage('a http(s) URL is required');
const extraHeaders = {};
while (args.length) {
  const flag = args.shift();
  const value = args.shift();
  if (flag !== '--header' || !value || !value.includes(':')) usage(`unexpected argument ${flag}`);
  const at = value.indexOf(':');
  extraHeaders[value.slice(0, at).trim()] = value.slice(at + 1).trim();
}

// Every audit request gets a timeout and the extra headers (e.g. an API key).
async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
  return fetch(input, { ...init, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

async function describe(response) {
  if (!response) return undefined;
  let body;
  try {
    body = await response.clone().text();
  } catch (error) {
    body = `<unreadable body: ${error}>`;
  }
  return { status: response.status, headers: Object.fromEntries(response.headers), body: body.slice(0, 2000) };
}

try {
  const results = await auditServer({ url, fetchFn });
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  const out = [];
  for (const result of results) {
    counts[result.status] = (counts[result.status] ?? 0) + 1;
    const entry = {
      id: result.id,
      name: result.name,
      requirement: result.name.split(' ')[0],
      status: result.status,
    };
    if (result.status !== 'ok') {
      entry.reason = result.reason;
      entry.response = await describe(result.response);
    }
    out.push(entry);
  }
  process.stdout.write(`${JSON.stringify({ url, counts, results: out }, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`audit could not run: ${error?.stack ?? error}\n`);
  process.exit(1);
}
