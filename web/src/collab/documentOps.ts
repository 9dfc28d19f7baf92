// Edits as operations on the project document, addressed by the stable ids every object in the
// document's collections carries (tracks, clips, notes, inserts, sends, lanes, points, markers,
// assets, tempo and meter changes), never by array index. The same three operations go over the
// collaboration WebSocket (server/docs/collaboration.md) and are applied by the server in its
// order, so two people editing different properties of the same clip both keep their change
// (last writer wins per property), and an edit whose target was deleted is refused.
//
//   set    { target: id | null (the root), path: [...keys through non-id objects], value }
//   insert { parent: id | null, collection: key, value: object with id, before: sibling id | null }
//   delete { target: id }
//
// diffDocuments(a, b) finds the operations that turn a into b; applyOps(doc, ops) applies them.
// applyOps(a, diffDocuments(a, b)) equals b (property-tested in documentOps.test.ts).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

export type DocumentOp =
  | { readonly op: 'set'; readonly target: string | null; readonly path: readonly string[]; readonly value: JsonValue }
  | { readonly op: 'insert'; readonly parent: string | null; readonly collection: string; readonly value: JsonValue; readonly before: string | null }
  | { readonly op: 'delete'; readonly target: string };

/** An operation that cannot apply: its target or parent is gone, or its path leads nowhere. */
export class OpConflict extends Error {
  constructor(
    readonly reason: 'target_deleted' | 'bad_path',
    message: string,
  ) {
    super(message);
  }
}

const isObject = (value: JsonValue | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const idOf = (value: JsonValue | undefined): string | null =>
  isObject(value) && typeof value.id === 'string' ? value.id : null;

/** A collection is an array whose elements all carry an id (an empty array qualifies). */
const isCollection = (value: JsonValue | undefined): value is JsonObject[] =>
  Array.isArray(value) && value.every((element) => idOf(element) !== null);

function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

// ---- diff ---------------------------------------------------------------------------------

/** The operations that turn `before` into `after` (both whole project documents). */
export function diffDocuments(before: unknown, after: unknown): DocumentOp[] {
  const ops = new OpList();
  diffObject(before as JsonObject, after as JsonObject, null, [], ops);
  // Deletes first, so an object moved to another parent (deleted here, inserted there) never
  // meets itself; inserts last, each collection's back to front so every `before` is in place.
  return [...ops.deletes, ...ops.sets, ...ops.inserts];
}

class OpList {
  readonly deletes: DocumentOp[] = [];
  readonly sets: DocumentOp[] = [];
  readonly inserts: DocumentOp[] = [];
  push(op: DocumentOp): void {
    (op.op === 'delete' ? this.deletes : op.op === 'set' ? this.sets : this.inserts).push(op);
  }
}

function diffObject(a: JsonObject, b: JsonObject, owner: string | null, path: string[], ops: OpList): void {
  for (const key of Object.keys(b)) {
    const from = a[key];
    const to = b[key]!;
    if (deepEqual(from, to)) continue;
    if (path.length === 0 && isCollection(from) && isCollection(to)) diffCollection(from, to, owner, key, ops);
    else if (isObject(from) && isObject(to) && idOf(from) === idOf(to) && !removesKeys(from, to))
      diffObject(from, to, owner, [...path, key], ops);
    else ops.push({ op: 'set', target: owner, path: [...path, key], value: to });
  }
  if (path.length === 0 && owner === null && removesKeys(a, b))
    throw new OpConflict('bad_path', 'the document root cannot lose a property');
}

const removesKeys = (a: JsonObject, b: JsonObject) => Object.keys(a).some((key) => !(key in b));

/** Collections nest directly under id objects (tracks[].clips[].notes[]); ones deeper inside
 *  plain objects (transport.tempoChanges) are small and are set whole by diffObject. */
function diffCollection(from: JsonObject[], to: JsonObject[], owner: string | null, key: string, ops: OpList): void {
  const toIds = new Set(to.map((element) => element.id as string));
  const fromById = new Map(from.map((element) => [element.id as string, element]));
  for (const element of from) if (!toIds.has(element.id as string)) ops.push({ op: 'delete', target: element.id as string });

  // Elements kept in place: the longest run of common ids already in the right order. The rest
  // of the common ones moved (delete, then insert at the new place with the new value), and so
  // do the rare ones that lost a property (JSON has no "undefined" to set): replaced whole.
  const common = to.filter((element) => {
    const before = fromById.get(element.id as string);
    return before !== undefined && !removesKeys(before, element);
  });
  const fromIndex = new Map(from.map((element, index) => [element.id as string, index]));
  const stay = longestIncreasingRun(common.map((element) => fromIndex.get(element.id as string)!));
  const staying = new Set(stay.map((i) => common[i]!.id as string));

  for (const element of to) {
    const id = element.id as string;
    if (staying.has(id)) diffElement(fromById.get(id)!, element, ops);
    else if (fromById.has(id)) ops.push({ op: 'delete', target: id });
  }
  // Inserted back to front, so every `before` sibling is already in place when applied.
  for (let i = to.length - 1; i >= 0; --i) {
    const element = to[i]!;
    if (staying.has(element.id as string)) continue;
    const next = to[i + 1];
    ops.push({ op: 'insert', parent: owner, collection: key, value: element, before: next ? (next.id as string) : null });
  }
}

/** One id object present on both sides, with no property removed: its changed properties. */
function diffElement(a: JsonObject, b: JsonObject, ops: OpList): void {
  const id = b.id as string;
  for (const key of Object.keys(b)) {
    const from = a[key];
    const to = b[key]!;
    if (deepEqual(from, to)) continue;
    if (isCollection(from) && isCollection(to)) diffCollection(from, to, id, key, ops);
    else if (isObject(from) && isObject(to) && idOf(from) === null && idOf(to) === null && !removesKeys(from, to))
      diffObject(from, to, id, [key], ops);
    else ops.push({ op: 'set', target: id, path: [key], value: to });
  }
}

/** Indices (into `values`) of one longest strictly increasing subsequence, O(n log n). */
function longestIncreasingRun(values: readonly number[]): number[] {
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  values.forEach((value, index) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (values[tails[mid]!]! < value) low = mid + 1;
      else high = mid;
    }
    if (low > 0) previous[index] = tails[low - 1]!;
    tails[low] = index;
  });
  const run: number[] = [];
  for (let at = tails.length ? tails[tails.length - 1]! : -1; at !== -1; at = previous[at]!) run.push(at);
  return run.reverse();
}

// ---- apply --------------------------------------------------------------------------------

interface Located {
  readonly object: JsonObject;
  readonly container: JsonObject[];
}

/** Every id object of `root` with the array holding it. */
function indexIds(root: JsonObject): Map<string, Located> {
  const index = new Map<string, Located>();
  const visit = (value: JsonValue, container: JsonObject[] | null) => {
    if (Array.isArray(value)) {
      const holder = isCollection(value) ? value : null;
      for (const element of value) visit(element, holder);
    } else if (isObject(value)) {
      const id = idOf(value);
      if (id !== null && container) index.set(id, { object: value, container });
      for (const key of Object.keys(value)) visit(value[key]!, null);
    }
  };
  visit(root, null);
  return index;
}

/** Applies `ops` in order to a copy of `document`; all or nothing (throws OpConflict). */
export function applyOps<T>(document: T, ops: readonly DocumentOp[]): T {
  const root = structuredClone(document) as unknown as JsonObject;
  let index = indexIds(root);
  let stale = false; // re-indexed lazily: a set may bring ids in or take them out too
  const locate = (id: string) => {
    if (stale) [index, stale] = [indexIds(root), false];
    return index.get(id);
  };
  const find = (id: string | null, role: string): JsonObject => {
    if (id === null) return root;
    const located = locate(id);
    if (!located) throw new OpConflict('target_deleted', `the ${role} ${id} no longer exists`);
    return located.object;
  };
  for (const op of ops) {
    if (op.op === 'set') {
      const target = find(op.target, 'object');
      if (op.path.length === 0) throw new OpConflict('bad_path', 'a set needs a property path');
      let holder = target;
      for (const key of op.path.slice(0, -1)) {
        const next = holder[key];
        if (!isObject(next)) throw new OpConflict('bad_path', `no object at ${op.path.join('.')}`);
        holder = next;
      }
      holder[op.path[op.path.length - 1]!] = structuredClone(op.value);
    } else if (op.op === 'insert') {
      const parent = find(op.parent, 'parent');
      const collection = parent[op.collection];
      const id = idOf(op.value);
      if (!Array.isArray(collection) || id === null) throw new OpConflict('bad_path', `cannot insert into ${op.collection}`);
      if (locate(id)) throw new OpConflict('bad_path', `id ${id} is already used`);
      const at = op.before === null ? collection.length : collection.findIndex((element) => idOf(element) === op.before);
      if (at < 0) throw new OpConflict('target_deleted', `the sibling ${op.before} no longer exists`);
      collection.splice(at, 0, structuredClone(op.value));
    } else {
      const located = locate(op.target);
      if (!located) throw new OpConflict('target_deleted', `the object ${op.target} no longer exists`);
      located.container.splice(located.container.indexOf(located.object), 1);
    }
    stale = true;
  }
  return root as unknown as T;
}
