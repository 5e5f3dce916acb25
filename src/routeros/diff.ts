/**
 * @module routeros/diff
 * What `router-apply` must do to turn a router's current state into the desired configuration: a pure function from
 * (desired model, tables read over the API) to a list of operations — add / set / remove / move per object, set per
 * settings menu — with the same rules as the rendered script (script.ts): find by comment, add if absent (rules that
 * must sit high with `place-before`), set what differs, remove duplicates and radgate-tagged objects no longer
 * wanted, restore rule order; never touch an object without a radgate tag. An untagged object holding a name radgate
 * needs is a conflict: nothing is applied.
 */

import { parseDuration, value } from './rsc.js';
import { TAG_PREFIX, type DesiredConfiguration, type DesiredObject, type DesiredProperty } from './desired.js';

/** A row as read from the router (`.id` included). */
export type RouterRow = Readonly<Record<string, string>>;

/** What was read: every managed table (rows in router order) and every settings menu (its one row). */
export interface RouterState {
  readonly tables: ReadonlyMap<string, readonly RouterRow[]>;
  readonly settings: ReadonlyMap<string, RouterRow>;
}

/** An existing row (`id`), or the row an earlier `add` of the plan creates (by its key). */
export type RowRef = { readonly id: string } | { readonly added: string };

export interface Change {
  readonly name: string;
  readonly from: string | undefined;
  readonly to: string;
  readonly secret: boolean;
}

export type Operation =
  | { readonly kind: 'add'; readonly path: string; readonly key: string; readonly properties: readonly DesiredProperty[]; readonly placeBefore?: { readonly ref: RowRef; readonly label: string } }
  | { readonly kind: 'set'; readonly path: string; readonly key: string; readonly target: RowRef; readonly changes: readonly Change[] }
  | { readonly kind: 'settings'; readonly path: string; readonly changes: readonly Change[] }
  | { readonly kind: 'remove'; readonly path: string; readonly key: string; readonly target: RowRef; readonly reason: string }
  | { readonly kind: 'move'; readonly path: string; readonly key: string; readonly target: RowRef; readonly before: RowRef; readonly label: string };

export interface RouterDiff {
  readonly nas: string;
  readonly operations: readonly Operation[];
  /** Untagged objects in the way; when not empty nothing may be applied. */
  readonly conflicts: readonly string[];
  /** Things the operator should know that are not changes (e.g. a secret the API user cannot read). */
  readonly notes: readonly string[];
}

// ---- value comparison ---------------------------------------------------------------------------------------

const TRUE = new Set(['yes', 'true']);
const FALSE = new Set(['no', 'false']);

/** Whether the router's `actual` value (undefined: not shown) equals the desired property. */
export function sameValue(p: DesiredProperty, actual: string | undefined): boolean {
  const a = actual ?? p.absent ?? '';
  switch (p.compare ?? 'text') {
    case 'bool':
      return (TRUE.has(p.value) && TRUE.has(a)) || (FALSE.has(p.value) && FALSE.has(a));
    case 'duration': {
      const want = parseDuration(p.value);
      const have = parseDuration(a);
      return want !== undefined && have !== undefined && Math.abs(want - have) < 0.0005;
    }
    case 'set': {
      const norm = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean).sort().join(',');
      return norm(p.value) === norm(a);
    }
    case 'script': {
      const norm = (s: string) => s.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd()).join('\n').trim();
      return norm(p.value) === norm(a);
    }
    case 'text':
      return p.value === a;
  }
}

function changesOf(properties: readonly DesiredProperty[], row: RouterRow, notes: string[], what: string): Change[] {
  const changes: Change[] = [];
  for (const p of properties) {
    const actual = row[p.name];
    if (p.secret === true && actual === undefined) {
      notes.push(`${what}: the router does not show ${p.name} to this API user (grant it the "sensitive" policy to let radgate check it)`);
      continue;
    }
    if (!sameValue(p, actual)) changes.push({ name: p.name, from: actual, to: p.value, secret: p.secret === true });
  }
  return changes;
}

// ---- the planner --------------------------------------------------------------------------------------------

const isDynamic = (row: RouterRow) => row['dynamic'] === 'true' || row['dynamic'] === 'yes';
const isTagged = (row: RouterRow) => (row['comment'] ?? '').startsWith(TAG_PREFIX);

/** A row of the simulated table: where it would be after the plan's adds, removes and moves. */
interface SimRow {
  readonly ref: RowRef;
  readonly comment: string;
  readonly chain: string | undefined;
  readonly dynamic: boolean;
}

function refLabel(ref: RowRef): string {
  return 'id' in ref ? ref.id : `(new ${ref.added})`;
}

function sameRef(a: RowRef, b: RowRef): boolean {
  return 'id' in a ? 'id' in b && a.id === b.id : 'added' in b && a.added === b.added;
}

/** The plan that makes `state` match `model`. */
export function diffRouter(model: DesiredConfiguration, state: RouterState): RouterDiff {
  const operations: Operation[] = [];
  const conflicts: string[] = [];
  const notes: string[] = [];
  const removes: Operation[] = [];
  const sets: Operation[] = [];
  const adds: Operation[] = [];
  const moves: Operation[] = [];

  const tableOf = (path: string): readonly RouterRow[] => state.tables.get(path) ?? [];

  // Conflicts: an untagged object holding a unique name radgate needs.
  for (const object of model.objects) {
    if (object.unique === undefined) continue;
    const wanted = object.properties.find((p) => p.name === object.unique)?.value;
    const holder = tableOf(object.path).find((row) => row[object.unique!] === wanted && row['comment'] !== object.key);
    if (holder !== undefined) {
      conflicts.push(`${object.path} ${object.unique}=${wanted} (${holder['.id']}) exists but is not managed by radgate; change or remove it, or set its comment to ${object.key} to hand it over`);
    }
  }

  // Settings menus.
  for (const settings of model.settings) {
    const row = state.settings.get(settings.path) ?? {};
    const changes = changesOf(settings.properties, row, notes, settings.path);
    if (changes.length > 0) operations.push({ kind: 'settings', path: settings.path, changes });
  }

  // Objects, menu by menu, with a simulated table for placement.
  for (const managed of model.managedPaths) {
    const rows = tableOf(managed.path);
    const wanted = model.objects.filter((o) => o.path === managed.path);
    const wantedKeys = new Set(wanted.map((o) => o.key));
    const sim: SimRow[] = rows.map((row) => ({ ref: { id: row['.id'] ?? '' }, comment: row['comment'] ?? '', chain: row['chain'], dynamic: isDynamic(row) }));
    const drop = (ref: RowRef) => sim.splice(sim.findIndex((r) => sameRef(r.ref, ref)), 1);

    // Radgate-tagged rows nobody wants any more, and duplicates of wanted ones.
    const seen = new Set<string>();
    for (const row of rows) {
      if (!isTagged(row) || isDynamic(row)) continue;
      const comment = row['comment']!;
      const ref = { id: row['.id'] ?? '' };
      if (!wantedKeys.has(comment)) {
        removes.push({ kind: 'remove', path: managed.path, key: comment, target: ref, reason: 'no longer configured' });
        drop(ref);
      } else if (seen.has(comment)) {
        removes.push({ kind: 'remove', path: managed.path, key: comment, target: ref, reason: 'duplicate' });
        drop(ref);
      }
      seen.add(comment);
    }

    for (const object of wanted) {
      const existing = rows.find((row) => row['comment'] === object.key && !isDynamic(row));
      if (existing !== undefined) {
        const changes = changesOf(object.properties, existing, notes, `${object.path} ${object.key}`);
        if (changes.length > 0) sets.push({ kind: 'set', path: object.path, key: object.key, target: { id: existing['.id'] ?? '' }, changes });
        continue;
      }
      const ref: RowRef = { added: object.key };
      const chain = object.properties.find((p) => p.name === 'chain')?.value;
      const before = insertionPoint(object, model, sim);
      const simRow: SimRow = { ref, comment: object.key, chain, dynamic: false };
      if (before === undefined) {
        sim.push(simRow);
        adds.push({ kind: 'add', path: object.path, key: object.key, properties: object.properties });
      } else {
        sim.splice(sim.indexOf(before.row), 0, simRow);
        adds.push({ kind: 'add', path: object.path, key: object.key, properties: object.properties, placeBefore: { ref: before.row.ref, label: before.label } });
      }
    }

    moves.push(...ordering(wanted, model, sim));
  }

  return { nas: model.nas, operations: [...removes, ...operations, ...sets, ...adds, ...moves], conflicts, notes };
}

/** The first static rule of `chain` not tagged radgate: what a chain-top object must sit above. */
function chainAnchor(sim: readonly SimRow[], chain: string): SimRow | undefined {
  return sim.find((r) => r.chain === chain && !r.dynamic && !r.comment.startsWith(TAG_PREFIX));
}

function sequenceOf(object: DesiredObject, model: DesiredConfiguration): DesiredObject[] {
  const placement = object.placement;
  if (placement?.kind !== 'sequence') return [];
  return model.objects.filter((o) => o.path === object.path && o.placement?.kind === 'sequence' && o.placement.group === placement.group);
}

/** Where a new object goes (before which simulated row), or undefined to append. */
function insertionPoint(object: DesiredObject, model: DesiredConfiguration, sim: readonly SimRow[]): { row: SimRow; label: string } | undefined {
  const placement = object.placement;
  if (placement?.kind === 'chain-top') {
    const anchor = chainAnchor(sim, placement.chain);
    return anchor === undefined ? undefined : { row: anchor, label: `first rule of chain ${placement.chain}` };
  }
  if (placement?.kind === 'sequence') {
    const members = sequenceOf(object, model);
    const later = new Set(members.slice(members.indexOf(object) + 1).map((o) => o.key));
    const next = sim.find((r) => later.has(r.comment));
    return next === undefined ? undefined : { row: next, label: next.comment };
  }
  return undefined;
}

/** Moves (on the simulated table) that put chain-top objects above their anchor and sequences in order. */
function ordering(wanted: readonly DesiredObject[], model: DesiredConfiguration, sim: SimRow[]): Operation[] {
  const moves: Operation[] = [];
  const move = (row: SimRow, before: SimRow, label: string) => {
    sim.splice(sim.indexOf(row), 1);
    sim.splice(sim.indexOf(before), 0, row);
    moves.push({ kind: 'move', path: wanted[0]!.path, key: row.comment, target: row.ref, before: before.ref, label });
  };
  const find = (key: string) => sim.find((r) => r.comment === key);
  for (const object of wanted) {
    if (object.placement?.kind !== 'chain-top') continue;
    const row = find(object.key);
    const anchor = chainAnchor(sim, object.placement.chain);
    if (row !== undefined && anchor !== undefined && sim.indexOf(row) > sim.indexOf(anchor)) {
      move(row, anchor, `first rule of chain ${object.placement.chain}`);
    }
  }
  const groups = new Set<string>();
  for (const object of wanted) {
    if (object.placement?.kind !== 'sequence' || groups.has(object.placement.group)) continue;
    groups.add(object.placement.group);
    const members = sequenceOf(object, model);
    for (let i = members.length - 2; i >= 0; i--) {
      const a = find(members[i]!.key);
      const b = find(members[i + 1]!.key);
      if (a !== undefined && b !== undefined && sim.indexOf(a) > sim.indexOf(b)) move(a, b, b.comment);
    }
  }
  return moves;
}

// ---- describing a plan ----------------------------------------------------------------------------------------

/** A value as the console would show it; scripts summarised, secrets hidden. */
function display(text: string, secret = false): string {
  if (secret) return '<secret>';
  if (text.includes('\n')) return `<script, ${text.split('\n').length} lines>`;
  return value(text);
}

function shown(p: { name: string; value: string; secret?: boolean }): string {
  return `${p.name}=${display(p.value, p.secret === true)}`;
}

/** One line per operation, for the operator. */
export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case 'add':
      return `add     ${op.path} ${op.key}: ${op.properties.map(shown).join(' ')}${op.placeBefore ? ` (before ${refLabel(op.placeBefore.ref)}, ${op.placeBefore.label})` : ''}`;
    case 'set':
      return `set     ${op.path} ${op.key} (${refLabel(op.target)}): ${op.changes.map(describeChange).join(', ')}`;
    case 'settings':
      return `set     ${op.path}: ${op.changes.map(describeChange).join(', ')}`;
    case 'remove':
      return `remove  ${op.path} ${op.key} (${refLabel(op.target)}): ${op.reason}`;
    case 'move':
      return `move    ${op.path} ${op.key} (${refLabel(op.target)}) before ${refLabel(op.before)} (${op.label})`;
  }
}

function describeChange(c: Change): string {
  if (c.secret) return `${c.name} changed`;
  return `${c.name} ${c.from === undefined ? '(unset)' : display(c.from)} → ${display(c.to)}`;
}
