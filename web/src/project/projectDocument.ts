// Reading and writing a project document: text -> limits -> JSON -> schema version -> migrations
// -> schema -> rules -> a typed ProjectDocument, or the list of what is wrong, each error naming
// its path ("tracks[3].clips[0].startBeat: must be >= 0"). Nothing here throws on any input.
// protocol/project/include/amplitude/project/ProjectDocument.h does the same in C++, with the same
// limits and the same words (protocol/project/examples/ holds both to it).

import { PROJECT_SCHEMA, PROJECT_SCHEMA_VERSION, type ProjectDocument } from '../generated/project.generated';
import { migrateToCurrent } from './migrations';
import { checkProjectRules } from './projectRules';
import { ErrorList, SchemaValidator, isObject } from './schemaValidator';

/** A document larger than this (UTF-8 bytes) is refused before it is parsed. */
export const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;
/** Arrays and objects nested deeper than this are refused before parsing (the schema needs 9). */
export const MAX_NESTING = 64;

export type ParseResult =
  | { readonly ok: true; readonly document: ProjectDocument; /** set when the text was an older version */ readonly migratedFrom?: number }
  | { readonly ok: false; readonly errors: readonly string[] };

const validator = new SchemaValidator(PROJECT_SCHEMA);

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

/** The deepest nesting of [ and { outside strings. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;  // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth -= 1;
  }
  return deepest;
}

/**
 * JSON.parse reads 1e999 as Infinity where the C++ parser (nlohmann::json) refuses the text; both
 * sides call such text not valid JSON. The walk runs only when the text has a long exponent or a
 * long run of digits (it is bounded by MAX_NESTING, checked first).
 */
const MAYBE_OVERFLOW = /[eE]\+?0*[1-9][0-9]{2}|[0-9]{309}/;
function hasInfinity(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasInfinity);
  if (isObject(value)) return Object.values(value).some(hasInfinity);
  return false;
}

/** Schema and rules for a document of the current version; [] when it is valid. */
export function validateProject(value: unknown): string[] {
  const errors = new ErrorList();
  validator.validate(value, errors);
  if (errors.messages.length === 0) checkProjectRules(value as ProjectDocument, errors);
  return errors.messages;
}

/** Migrates (if older) and validates an already parsed JSON value. */
export function parseProjectValue(value: unknown): ParseResult {
  if (!isObject(value)) return { ok: false, errors: ['document: must be an object'] };
  const version = value.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version)) return { ok: false, errors: ['schemaVersion: must be an integer'] };
  if (version < 0) return { ok: false, errors: ['schemaVersion: must be >= 0'] };
  if (version > PROJECT_SCHEMA_VERSION) {
    return { ok: false, errors: [`schemaVersion: ${version} is newer than this build reads (${PROJECT_SCHEMA_VERSION})`] };
  }
  const current = version < PROJECT_SCHEMA_VERSION ? migrateToCurrent(value, version) : value;
  const errors = validateProject(current);
  if (errors.length > 0) return { ok: false, errors };
  const document = current as unknown as ProjectDocument;
  return version < PROJECT_SCHEMA_VERSION ? { ok: true, document, migratedFrom: version } : { ok: true, document };
}

export function parseProjectText(text: string): ParseResult {
  if (utf8Length(text) > MAX_DOCUMENT_BYTES) return { ok: false, errors: [`document: larger than ${MAX_DOCUMENT_BYTES} bytes`] };
  if (nestingDepth(text) > MAX_NESTING) return { ok: false, errors: [`document: nested deeper than ${MAX_NESTING} levels`] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, errors: ['document: not valid JSON'] };
  }
  if (MAYBE_OVERFLOW.test(text) && hasInfinity(value)) return { ok: false, errors: ['document: not valid JSON'] };
  return parseProjectValue(value);
}

/** The document as text (what the server stores per revision). */
export function serializeProject(document: ProjectDocument): string {
  return JSON.stringify(document);
}
