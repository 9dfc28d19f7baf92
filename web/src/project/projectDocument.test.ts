// Invariant: the TypeScript reader accepts the shared valid examples, refuses each shared invalid
// example with exactly the errors it lists (the C++ reader is held to the same lists), survives
// hostile text, and a parse -> serialize -> parse round trip changes nothing.
import { describe, expect, it } from 'vitest';
import { PROJECT_SCHEMA, PROJECT_SCHEMA_VERSION } from '../generated/project.generated';
import { invalidCaseText, invalidCases, readExample, readExampleText } from './examples.testing';
import { MAX_DOCUMENT_BYTES, parseProjectText, parseProjectValue, serializeProject, validateProject } from './projectDocument';

const validExamples = ['minimal.json', 'full.json'];

describe('project document: valid examples', () => {
  it.each(validExamples)('%s is valid and round-trips losslessly', (name) => {
    const parsed = parseProjectText(readExampleText(name));
    expect(parsed).toMatchObject({ ok: true });
    if (!parsed.ok) return;
    expect(parsed.migratedFrom).toBeUndefined();
    expect(parsed.document).toEqual(readExample(name));
    const again = parseProjectText(serializeProject(parsed.document));
    expect(again).toEqual(parsed);
  });

  it('the full example uses every object type of the schema', () => {
    const text = readExampleText('full.json');
    for (const kind of ['"audio"', '"midi"', '"master"', '"bus"', '"instrument"', '"Unknown"', '"sCurve"', '"exponential"', '"curved"', '"hold"', '"send"', '"strip"', '"insert"']) {
      expect(text).toContain(kind);
    }
    expect(Object.keys(PROJECT_SCHEMA.$defs ?? {}).length).toBeGreaterThan(30);
  });
});

describe('project document: invalid examples', () => {
  const cases = invalidCases();
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(50));
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(parseProjectText(invalidCaseText(c))).toEqual({ ok: false, errors: c.expectedErrors });
  });
});

describe('project document: hostile input', () => {
  it('refuses text beyond the size limit before parsing it', () => {
    const text = `{"pad": "${'x'.repeat(MAX_DOCUMENT_BYTES)}"}`;
    expect(parseProjectText(text)).toEqual({ ok: false, errors: [`document: larger than ${MAX_DOCUMENT_BYTES} bytes`] });
  });

  it('refuses a million levels of nesting without touching the stack', () => {
    const text = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(parseProjectText(text)).toEqual({ ok: false, errors: ['document: nested deeper than 64 levels'] });
  });

  it('counts brackets inside strings as text, not nesting', () => {
    const minimal = readExample('minimal.json') as { project: { name: string } };
    minimal.project.name = '[[[[{{{{\\"'.repeat(20);
    expect(parseProjectText(JSON.stringify(minimal))).toMatchObject({ ok: true });
  });

  it('answers a huge array with one error, and stops at 100 errors', () => {
    const minimal = readExample('minimal.json') as Record<string, unknown>;
    expect(validateProject({ ...minimal, assets: new Array(1_000_000).fill(0) })).toEqual(['assets: must have at most 4096 items']);
    const markers = new Array(4096).fill(0);
    expect(validateProject({ ...minimal, markers })).toHaveLength(100);
  });

  it('keeps prototype names as plain data', () => {
    const text = readExampleText('full.json').replace('"band4Q": 2', '"band4Q": 2, "__proto__": 1, "constructor": 2');
    const result = parseProjectText(text);
    expect(result).toEqual({
      ok: false,
      errors: [
        'tracks[3].inserts[0].params.__proto__: ParametricEq has no parameter "__proto__"',
        'tracks[3].inserts[0].params.constructor: ParametricEq has no parameter "constructor"',
      ],
    });
  });

  it('does not echo a hostile key', () => {
    const minimal = readExample('minimal.json') as Record<string, unknown>;
    expect(validateProject({ ...minimal, ['k'.repeat(100_000)]: 1 })).toEqual(['[(a long or non-ASCII name)]: is not allowed']);
  });

  it('names non-finite numbers built in memory', () => {
    const minimal = readExample('minimal.json') as { tracks: { strip: { volumeDb: number; pan: number } }[] };
    minimal.tracks[0]!.strip.volumeDb = Number.NaN;
    minimal.tracks[0]!.strip.pan = Number.POSITIVE_INFINITY;
    expect(validateProject(minimal)).toEqual(['tracks[0].strip.volumeDb: must be a finite number', 'tracks[0].strip.pan: must be a finite number']);
  });

  it('reads an already parsed value the same way', () => {
    expect(parseProjectValue(readExample('minimal.json'))).toMatchObject({ ok: true });
    expect(parseProjectValue(null)).toEqual({ ok: false, errors: ['document: must be an object'] });
    expect(parseProjectValue({ schemaVersion: -1 })).toEqual({ ok: false, errors: ['schemaVersion: must be >= 0'] });
    expect(PROJECT_SCHEMA_VERSION).toBe(1);
  });
});
