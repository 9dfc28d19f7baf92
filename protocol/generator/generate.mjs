#!/usr/bin/env node
// Generates the C++ header and the TypeScript module of Amplitude's protocol from the one schema.
//   node protocol/generator/generate.mjs [--schema FILE] [--cpp OUT.h] [--ts OUT.ts]
// The outputs are build products: they are written only when their text changes, so builds that
// depend on them do not rerun needlessly.

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema } from './schema.mjs';
import { emitCpp } from './emit-cpp.mjs';
import { emitTypeScript } from './emit-ts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};

const schemaPath = resolve(option('--schema') ?? `${here}/../schema/amplitude.protocol.json`);
const outputs = [
  [option('--cpp'), emitCpp],
  [option('--ts'), emitTypeScript],
].filter(([path]) => path);

if (outputs.length === 0) {
  console.error('usage: generate.mjs [--schema FILE] [--cpp OUT.h] [--ts OUT.ts]');
  process.exit(2);
}

let schema;
try {
  schema = loadSchema(schemaPath);
} catch (error) {
  console.error(`${schemaPath}: ${error.message}`);
  process.exit(1);
}

for (const [path, emit] of outputs) {
  const text = emit(schema);
  const target = resolve(path);
  if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
