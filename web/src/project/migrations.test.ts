// Invariant: every older schema version migrates, step by step, to the current one, and the TypeScript
// migrations produce the same documents (and the same errors) as the C++ ones, on the shared
// before/after examples in protocol/project/examples/migrations/.
import { describe, expect, it } from 'vitest';
import { PROJECT_SCHEMA_VERSION } from '../generated/project.generated';
import { readExample } from './examples.testing';
import { MIGRATIONS, migrateV0ToV1 } from './migrations';
import { parseProjectText, parseProjectValue } from './projectDocument';

/** Equal as JSON, numbers within 1e-9 (a dB conversion goes through log10, which may differ in the last bit). */
function expectClose(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(1e-9);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((item, i) => expectClose((actual as unknown[])[i], item, `${path}[${i}]`));
  } else if (typeof expected === 'object' && expected !== null) {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    expect(actual, path).toBe(expected);
  }
}

describe('project migrations', () => {
  it('has one migration per older version', () => {
    expect(MIGRATIONS).toHaveLength(PROJECT_SCHEMA_VERSION);
  });

  it('migrates the v0 example to the expected v1 document, which is valid', () => {
    const example = readExample('migrations/v0-song.json') as { document: Record<string, unknown>; expected: unknown };
    expectClose(migrateV0ToV1(example.document), example.expected);
    const parsed = parseProjectText(JSON.stringify(example.document));
    expect(parsed).toMatchObject({ ok: true, migratedFrom: 0 });
    if (parsed.ok) expectClose(parsed.document, example.expected);
  });

  it('passes fields of the wrong type through, so validation names them', () => {
    const example = readExample('migrations/v0-hostile.json') as { document: unknown; expectedErrors: string[] };
    expect(parseProjectValue(example.document)).toEqual({ ok: false, errors: example.expectedErrors });
  });

  it('never throws on v0 documents of any shape', () => {
    for (const v0 of [{ schemaVersion: 0 }, { schemaVersion: 0, tracks: 5 }, { schemaVersion: 0, tracks: [null, 1, { type: 'midi', clips: [1, { notes: 'x' }] }] }, { schemaVersion: 0, timeSignature: 'x', id: 7 }]) {
      const result = parseProjectValue(v0);
      expect(result.ok).toBe(false);
    }
  });
});
