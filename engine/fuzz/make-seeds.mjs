#!/usr/bin/env node
// Writes the protocol's byte vectors as seed inputs for the command-record fuzzer, one file per
// vector plus one file holding them all, so fuzzing starts from valid and near-valid records.
//   node engine/fuzz/make-seeds.mjs OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = process.argv[2];
if (!out) {
  console.error('usage: make-seeds.mjs OUT_DIR');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, '../../protocol/vectors/commands.json'), 'utf8'));
const records = [...vectors.valid, ...vectors.invalid].map((v) => Buffer.from(v.hex.replace(/ /g, ''), 'hex'));
mkdirSync(out, { recursive: true });
records.forEach((record, index) => writeFileSync(join(out, `vector-${index}.bin`), record));
writeFileSync(join(out, 'all-vectors.bin'), Buffer.concat(records));
