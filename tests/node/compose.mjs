// Apollo Federation composition (@apollo/composition's composeServices) of subgraph SDL files.
//
//   node compose.mjs <name>=<url>=<sdl-file> [<name>=<url>=<sdl-file>]...
//
// Prints one JSON document on stdout:
//   {ok: true, supergraphSdl, hints: [{code, message}]}       when the subgraphs compose
//   {ok: false, errors: [{code, message}], hints: [...]}      when composition reports errors
// Exits 0 when composition ran (whatever it found), 2 on usage errors, 1 when it could not run.
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

function usage(message) {
  process.stderr.write(`${message}\nusage: node compose.mjs <name>=<url>=<sdl-file>...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length === 0) usage('at least one subgraph is required');

const describe = (item) => ({ code: item.extensions?.code ?? item.definition?.code ?? null, message: item.message });

try {
  const services = args.map((arg) => {
    const [name, url, ...rest] = arg.split('=');
    const file = rest.join('=');
    if (!name || !url || !file) usage(`malformed subgraph argument ${arg}`);
    return { name, url, typeDefs: parse(readFileSync(file, 'utf8')) };
  });
  const result = composeServices(services);
  const hints = (result.hints ?? []).map(describe);
  const report = result.errors
    ? { ok: false, errors: result.errors.map(describe), hints }
    : { ok: true, supergraphSdl: result.supergraphSdl, hints };
  process.stdout.write(JSON.stringify(report));
} catch (error) {
  process.stderr.write(`composition could not run: ${error?.stack ?? error}\n`);
  process.exit(1);
}
