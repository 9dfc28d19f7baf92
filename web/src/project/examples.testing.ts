// Test support: the shared example documents of protocol/project/examples/, read the way
// protocol/tests/ProjectDocumentTest.cpp reads them (invalid cases are a base document plus a JSON
// Patch, a document, or raw text).
import { readFileSync, readdirSync } from 'node:fs';

export const examplesDirectory = new URL('../../../protocol/project/examples/', import.meta.url);

export const readExampleText = (name: string): string => readFileSync(new URL(name, examplesDirectory), 'utf8');
export const readExample = (name: string): unknown => JSON.parse(readExampleText(name));

interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export interface InvalidCase {
  name: string;
  description: string;
  base?: string;
  patch?: PatchOperation[];
  document?: unknown;
  text?: string;
  expectedErrors: string[];
}

/** RFC 6902 add/replace/remove with RFC 6901 pointers: enough for the invalid examples. */
export function applyPatch(document: unknown, patch: readonly PatchOperation[]): unknown {
  const copy = structuredClone(document);
  for (const operation of patch) {
    const tokens = operation.path.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = tokens.pop()!;
    let parent = copy as Record<string, unknown> | unknown[];
    for (const token of tokens) parent = (parent as Record<string, unknown>)[token] as Record<string, unknown> | unknown[];
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (operation.op === 'add') parent.splice(index, 0, operation.value);
      else if (operation.op === 'replace') parent[index] = operation.value;
      else parent.splice(index, 1);
    } else if (operation.op === 'remove') {
      delete parent[last];
    } else {
      parent[last] = operation.value;
    }
  }
  return copy;
}

export function invalidCases(): InvalidCase[] {
  return readdirSync(new URL('invalid/', examplesDirectory))
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ name: file.replace(/\.json$/, ''), ...(readExample(`invalid/${file}`) as Omit<InvalidCase, 'name'>) }));
}

/** The text a case feeds to the parser. */
export function invalidCaseText(c: InvalidCase): string {
  if (c.text !== undefined) return c.text;
  if (c.base !== undefined) return JSON.stringify(applyPatch(readExample(c.base), c.patch ?? []));
  return JSON.stringify(c.document);
}
