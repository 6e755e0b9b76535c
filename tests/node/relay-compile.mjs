// The Relay compiler (relay-compiler, pinned in package.json) over a directory of Relay documents.
//
//   node relay-compile.mjs <documents-dir> <schema-file> <artifact-dir>
//
// Prints {ok, output}: ok when the compiler accepted every document and wrote its artifacts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [src, schema, artifacts] = process.argv.slice(2).map((p) => resolve(p));
mkdirSync(artifacts, { recursive: true });
const config = join(mkdtempSync(join(tmpdir(), 'relay-config-')), 'relay.config.json');
writeFileSync(config, JSON.stringify({ src, schema, language: 'typescript', artifactDirectory: artifacts }));
const cli = createRequire(import.meta.url).resolve('relay-compiler/cli.js');
const run = spawnSync(process.execPath, [cli, config], { encoding: 'utf8', timeout: 120000 });
const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.replace(/\u001b\[[0-9;]*m/g, '');
process.stdout.write(JSON.stringify({ ok: run.status === 0, output }));
