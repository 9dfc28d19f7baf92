// A validator for the subset of JSON Schema (2020-12) that protocol/project/amplitude.project.schema.json
// uses (protocol/generator/project-schema.mjs refuses anything else). Its C++ twin is
// protocol/project/include/amplitude/project/SchemaValidator.h: both walk the same schema in the
// same order and word their errors the same way, so a document gets the same errors on both sides
// (protocol/project/examples/invalid/ holds them to it).
//
// It never recurses deeper than the schema does, so a deeply nested value costs one error, not a
// stack; arrays and maps are measured before their members are looked at; errors stop at maxErrors.

import type { SchemaNode } from '../generated/project.generated';

export const MAX_ERRORS = 100;

/** Errors as "path: message", in the order found, at most MAX_ERRORS of them. */
export class ErrorList {
  readonly messages: string[] = [];
  get full(): boolean {
    return this.messages.length >= MAX_ERRORS;
  }
  add(path: string, message: string): void {
    if (!this.full) this.messages.push(`${path === '' ? 'document' : path}: ${message}`);
  }
}

/** Numbers as JavaScript prints them (the C++ side's formatNumber prints the same). */
export const formatNumber = (value: number): string => String(value);

const IDENTIFIER = /^[A-Za-z0-9_]{1,64}$/;

export const joinPath = (path: string, key: string): string => {
  if (IDENTIFIER.test(key)) return path === '' ? key : `${path}.${key}`;
  // Hostile names are not echoed: a megabyte of key would make a megabyte of message.
  const printable = key.length <= 64 && /^[\x20-\x7e]*$/.test(key);
  return `${path}[${printable ? JSON.stringify(key) : '(a long or non-ASCII name)'}]`;
};
export const indexPath = (path: string, index: number): string => `${path}[${index}]`;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const has = (object: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** Length in code points, as JSON Schema counts (the C++ side counts UTF-8 lead bytes). */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff && i > 0) {
      const previous = text.charCodeAt(i - 1);
      if (previous >= 0xd800 && previous <= 0xdbff) continue;  // second half of a pair
    }
    count += 1;
  }
  return count;
}

interface Atom {
  readonly set: Set<number>;
  readonly min: number;
  readonly max: number;
}

/** The pattern subset: ^, atoms (a literal or a [class]) with {n} {m,n} * + ?, $; matched greedily. */
function compilePattern(pattern: string): Atom[] {
  const body = pattern.slice(1, -1);
  const atoms: Atom[] = [];
  let i = 0;
  while (i < body.length) {
    const set = new Set<number>();
    if (body[i] === '[') {
      const end = body.indexOf(']', i + 1);
      const inner = body.slice(i + 1, end);
      for (let k = 0; k < inner.length; k++) {
        if (inner[k + 1] === '-' && k + 2 < inner.length) {
          for (let n = inner.charCodeAt(k); n <= inner.charCodeAt(k + 2); n++) set.add(n);
          k += 2;
        } else {
          set.add(inner.charCodeAt(k));
        }
      }
      i = end + 1;
    } else {
      set.add(body.charCodeAt(i));
      i += 1;
    }
    let [min, max] = [1, 1];
    const q = body[i];
    if (q === '*') [min, max, i] = [0, Infinity, i + 1];
    else if (q === '+') [min, max, i] = [1, Infinity, i + 1];
    else if (q === '?') [min, max, i] = [0, 1, i + 1];
    else if (q === '{') {
      const end = body.indexOf('}', i);
      const [low, high] = body.slice(i + 1, end).split(',');
      min = Number(low);
      max = high === undefined ? min : Number(high);
      i = end + 1;
    }
    atoms.push({ set, min, max });
  }
  return atoms;
}

const compiledPatterns = new Map<string, Atom[]>();

export function matchesPattern(text: string, pattern: string): boolean {
  let atoms = compiledPatterns.get(pattern);
  if (!atoms) {
    atoms = compilePattern(pattern);
    compiledPatterns.set(pattern, atoms);
  }
  let at = 0;
  for (const atom of atoms) {
    let count = 0;
    while (count < atom.max && at < text.length && atom.set.has(text.charCodeAt(at))) {
      at += 1;
      count += 1;
    }
    if (count < atom.min) return false;
  }
  return at === text.length;
}

export class SchemaValidator {
  constructor(private readonly root: SchemaNode) {}

  validate(value: unknown, errors: ErrorList): void {
    this.check(value, this.root, '', errors);
  }

  private resolve(node: SchemaNode): SchemaNode {
    if (node.$ref === undefined) return node;
    const target = this.root.$defs?.[node.$ref.slice('#/$defs/'.length)];
    if (!target) throw new Error(`project schema: unresolved ${node.$ref}`);
    return target;
  }

  private check(value: unknown, schemaNode: SchemaNode, path: string, errors: ErrorList): void {
    if (errors.full) return;
    const node = this.resolve(schemaNode);
    if (node.oneOf) return this.checkOneOf(value, node.oneOf, path, errors);
    if (node.const !== undefined) {
      if (value !== node.const) errors.add(path, `must be ${JSON.stringify(node.const)}`);
      return;
    }
    switch (node.type) {
      case 'object':
        if (!isObject(value)) return errors.add(path, 'must be an object');
        return node.properties ? this.checkRecord(value, node, path, errors) : this.checkMap(value, node, path, errors);
      case 'array':
        if (!Array.isArray(value)) return errors.add(path, 'must be an array');
        return this.checkArray(value, node, path, errors);
      case 'string':
        if (typeof value !== 'string') return errors.add(path, 'must be a string');
        return this.checkString(value, node, path, errors);
      case 'number':
      case 'integer':
        if (typeof value !== 'number' || !Number.isFinite(value)) return errors.add(path, node.type === 'integer' ? 'must be an integer' : 'must be a finite number');
        if (node.type === 'integer' && !Number.isInteger(value)) return errors.add(path, 'must be an integer');
        return this.checkNumber(value, node, path, errors);
      case 'boolean':
        if (typeof value !== 'boolean') errors.add(path, 'must be a boolean');
        return;
      default:
        throw new Error(`project schema: node without a type at ${path}`);
    }
  }

  /** oneOf in this schema is always told apart by a const 'kind'. */
  private checkOneOf(value: unknown, alternatives: readonly SchemaNode[], path: string, errors: ErrorList): void {
    if (!isObject(value)) return errors.add(path, 'must be an object');
    const resolved = alternatives.map((alternative) => this.resolve(alternative));
    const kinds = resolved.map((alternative) => alternative.properties?.kind?.const);
    const index = has(value, 'kind') && typeof value.kind === 'string' ? kinds.indexOf(value.kind) : -1;
    if (index < 0) return errors.add(joinPath(path, 'kind'), `must be one of ${kinds.map((k) => JSON.stringify(k)).join(', ')}`);
    this.check(value, resolved[index]!, path, errors);
  }

  private checkRecord(value: Record<string, unknown>, node: SchemaNode, path: string, errors: ErrorList): void {
    const properties = node.properties!;
    for (const key of node.required ?? []) {
      if (!has(value, key)) errors.add(joinPath(path, key), 'is required');
    }
    if (node.additionalProperties === false) {
      for (const key of Object.keys(value).sort()) {
        if (!has(properties, key)) errors.add(joinPath(path, key), 'is not allowed');
      }
    }
    for (const [key, child] of Object.entries(properties)) {
      if (has(value, key)) this.check(value[key], child, joinPath(path, key), errors);
    }
  }

  private checkMap(value: Record<string, unknown>, node: SchemaNode, path: string, errors: ErrorList): void {
    const keys = Object.keys(value);
    if (node.maxProperties !== undefined && keys.length > node.maxProperties) {
      return errors.add(path, `must have at most ${node.maxProperties} properties`);
    }
    const names = node.propertyNames;
    const values = typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
    for (const key of keys.sort()) {
      if (errors.full) return;
      if (names && !this.validName(key, names)) {
        errors.add(joinPath(path, key), 'is not a valid name');
        continue;
      }
      if (values) this.check(value[key], values, joinPath(path, key), errors);
    }
  }

  private validName(key: string, names: SchemaNode): boolean {
    const length = codePoints(key);
    if (names.minLength !== undefined && length < names.minLength) return false;
    if (names.maxLength !== undefined && length > names.maxLength) return false;
    return names.pattern === undefined || matchesPattern(key, names.pattern);
  }

  private checkArray(value: unknown[], node: SchemaNode, path: string, errors: ErrorList): void {
    if (node.minItems !== undefined && value.length < node.minItems) return errors.add(path, `must have at least ${node.minItems} items`);
    if (node.maxItems !== undefined && value.length > node.maxItems) return errors.add(path, `must have at most ${node.maxItems} items`);
    if (!node.items) return;
    for (let i = 0; i < value.length && !errors.full; i++) this.check(value[i], node.items, indexPath(path, i), errors);
  }

  private checkString(value: string, node: SchemaNode, path: string, errors: ErrorList): void {
    if (node.enum) {
      if (!node.enum.includes(value)) errors.add(path, `must be one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`);
      return;
    }
    const length = codePoints(value);
    if (node.minLength !== undefined && length < node.minLength) return errors.add(path, `must be at least ${node.minLength} characters`);
    if (node.maxLength !== undefined && length > node.maxLength) return errors.add(path, `must be at most ${node.maxLength} characters`);
    if (node.pattern !== undefined && !matchesPattern(value, node.pattern)) errors.add(path, `must match ${node.pattern}`);
  }

  private checkNumber(value: number, node: SchemaNode, path: string, errors: ErrorList): void {
    if (node.enum) {
      if (!node.enum.includes(value)) errors.add(path, `must be one of ${node.enum.map((v) => formatNumber(Number(v))).join(', ')}`);
      return;
    }
    if (node.minimum !== undefined && value < node.minimum) return errors.add(path, `must be >= ${formatNumber(node.minimum)}`);
    if (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) return errors.add(path, `must be > ${formatNumber(node.exclusiveMinimum)}`);
    if (node.maximum !== undefined && value > node.maximum) return errors.add(path, `must be <= ${formatNumber(node.maximum)}`);
    if (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum) errors.add(path, `must be < ${formatNumber(node.exclusiveMaximum)}`);
  }
}
