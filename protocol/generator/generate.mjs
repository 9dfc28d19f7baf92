#!/usr/bin/env node
// Generates the C++ header and the TypeScript module of Amplitude's protocol from the one schema,
// and those of the project document from protocol/project/amplitude.project.schema.json (whose
// device names are checked against the protocol schema's devices[]).
//   node protocol/generator/generate.mjs [--schema FILE] [--cpp OUT.h] [--ts OUT.ts]
//        [--project-schema FILE] [--project-cpp OUT.h] [--project-ts OUT.ts]
// The outputs are build products: they are written only when their text changes, so builds that
// depend on them do not rerun needlessly.

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema } from './schema.mjs';
import { emitCpp } from './emit-cpp.mjs';
import { emitTypeScript } from './emit-ts.mjs';
import { loadProjectSchema } from './project-schema.mjs';
import { emitProjectCpp } from './emit-project-cpp.mjs';
import { emitProjectTypeScript } from './emit-project-ts.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
};

const schemaPath = resolve(option('--schema') ?? `${here}/../schema/amplitude.protocol.json`);
const projectSchemaPath = resolve(option('--project-schema') ?? `${here}/../project/amplitude.project.schema.json`);
const outputs = [
  [option('--cpp'), emitCpp],
  [option('--ts'), emitTypeScript],
].filter(([path]) => path);
const projectOutputs = [
  [option('--project-cpp'), emitProjectCpp],
  [option('--project-ts'), emitProjectTypeScript],
].filter(([path]) => path);

if (outputs.length === 0 && projectOutputs.length === 0) {
  console.error('usage: generate.mjs [--schema FILE] [--cpp OUT.h] [--ts OUT.ts] [--project-schema FILE] [--project-cpp OUT.h] [--project-ts OUT.ts]');
  process.exit(2);
}

let schema;
try {
  schema = loadSchema(schemaPath);
} catch (error) {
  console.error(`${schemaPath}: ${error.message}`);
  process.exit(1);
}

let project;
if (projectOutputs.length > 0) {
  try {
    project = loadProjectSchema(projectSchemaPath, schema);
  } catch (error) {
    console.error(`${projectSchemaPath}: ${error.message}`);
    process.exit(1);
  }
}

for (const [path, emit, input] of [...outputs.map((o) => [...o, schema]), ...projectOutputs.map((o) => [...o, project])]) {
  const text = emit(input);
  const target = resolve(path);
  if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
}
