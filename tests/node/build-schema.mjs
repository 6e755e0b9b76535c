// graphql-js (the reference implementation) reading a schema file, as codegen and editor tooling do.
//
//   node build-schema.mjs <sdl-file> [<document-file>]...
//
// Prints one JSON document on stdout: {ok: true, types: [...], errors: [...]} when buildSchema loads the
// file (errors: validation errors of the documents against it), {ok: false, error} when it does not.
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate } from 'graphql';

const [file, ...documents] = process.argv.slice(2);
try {
  const schema = buildSchema(readFileSync(file, 'utf8'));
  const errors = documents.flatMap((doc) => validate(schema, parse(readFileSync(doc, 'utf8'))).map((e) => e.message));
  const types = Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith('__')).sort();
  process.stdout.write(JSON.stringify({ ok: true, types, errors }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error.message) }));
}
