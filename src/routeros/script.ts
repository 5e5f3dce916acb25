/**
 * @module routeros/script
 * Renders a `DesiredConfiguration` as a RouterOS script (`.rsc`) that can be run any number of times
 * (docs/routeros.md §8): each object is found by its `comment="radgate:<key>"`, added when missing (rules that must sit
 * high with `place-before`), set when present (duplicates removed), moved when out of order; radgate-tagged objects
 * the configuration no longer wants are removed; nothing without a radgate tag is touched. The output is a pure
 * function of the model: the same config renders byte-identical scripts.
 */

import type { DesiredConfiguration, DesiredObject, DesiredProperty } from './desired.js';
import { TAG_PREFIX } from './desired.js';
import { comment, consolePath, quote, value } from './rsc.js';

const RULE = '-'.repeat(100);

function assignments(properties: readonly DesiredProperty[]): string {
  return properties.map((p) => `${p.name}=${value(p.value)}`).join(' ');
}

function section(title: string): string[] {
  return ['', comment(`---- ${title} `.padEnd(RULE.length, '-'))];
}

/** `[/menu find where comment="radgate:key"]`. */
function findByKey(menu: string, key: string): string {
  return `[${menu} find where comment=${quote(key)}]`;
}

/** Objects whose `unique` value an untagged object might already hold: checked before anything changes. */
function preflight(model: DesiredConfiguration): string[] {
  const lines: string[] = [];
  for (const object of model.objects) {
    if (object.unique === undefined) continue;
    const menu = consolePath(object.path);
    const wanted = object.properties.find((p) => p.name === object.unique)?.value ?? '';
    const message = `radgate: ${menu} ${object.unique}=${wanted} exists but is not managed by radgate; change or remove it, or set its comment to ${object.key} to hand it over`;
    lines.push(`:if ([:len [${menu} find where ${object.unique}=${value(wanted)} and comment!=${quote(object.key)}]] > 0) do={ :error ${quote(message)} }`);
  }
  return lines.length === 0 ? [] : [...section('preflight: names radgate needs must be free'), ...lines];
}

function upsert(object: DesiredObject, model: DesiredConfiguration): string[] {
  const menu = consolePath(object.path);
  const props = assignments(object.properties);
  const add = `${menu} add ${props} comment=${quote(object.key)}`;
  const first = '[:pick $ids 0]';
  const lines = ['{', `  :local ids ${findByKey(menu, object.key)}`];
  const placement = object.placement;
  if (placement?.kind === 'chain-top') {
    lines.push(
      `  :local anchors [${menu} find where chain=${value(placement.chain)} and dynamic=no and !(comment~${quote(`^${TAG_PREFIX}`)})]`,
      '  :if ([:len $ids] = 0) do={',
      `    :if ([:len $anchors] = 0) do={ ${add} } else={ ${add} place-before=[:pick $anchors 0] }`,
      '  } else={',
      `    :if ([:len $ids] > 1) do={ ${menu} remove [:pick $ids 1 [:len $ids]] }`,
      `    ${menu} set ${first} ${props}`,
      '    :if ([:len $anchors] > 0) do={',
      `      :local all [${menu} find]`,
      `      :if ([:find $all ${first}] > [:find $all [:pick $anchors 0]]) do={ ${menu} move ${first} destination=[:pick $anchors 0] }`,
      '    }',
      '  }',
    );
  } else {
    let addLine = `    ${add}`;
    if (placement?.kind === 'sequence') {
      // A new rule goes before the earliest later member of its sequence already on the router.
      const later = laterInSequence(object, model);
      if (later.length > 0) {
        lines.push(`  :local later [${menu} find where ${later.map((o) => `comment=${quote(o.key)}`).join(' or ')}]`);
        addLine = `    :if ([:len $later] = 0) do={ ${add} } else={ ${add} place-before=[:pick $later 0] }`;
      }
    }
    lines.push(
      '  :if ([:len $ids] = 0) do={',
      addLine,
      '  } else={',
      `    :if ([:len $ids] > 1) do={ ${menu} remove [:pick $ids 1 [:len $ids]] }`,
      `    ${menu} set ${first} ${props}`,
      '  }',
    );
  }
  lines.push('}');
  return lines;
}

function laterInSequence(object: DesiredObject, model: DesiredConfiguration): DesiredObject[] {
  const group = sequenceMembers(object, model);
  return group.slice(group.indexOf(object) + 1);
}

function sequenceMembers(object: DesiredObject, model: DesiredConfiguration): DesiredObject[] {
  const placement = object.placement;
  if (placement?.kind !== 'sequence') return [object];
  return model.objects.filter((o) => o.path === object.path && o.placement?.kind === 'sequence' && o.placement.group === placement.group);
}

/**
 * Moves that restore each sequence's order: pairs checked from the end, each member moved just before its successor
 * when it sits after it (a no-op when already in order; new rules were already added in place).
 */
function ordering(model: DesiredConfiguration): string[] {
  const lines: string[] = [];
  const done = new Set<string>();
  for (const object of model.objects) {
    if (object.placement?.kind !== 'sequence') continue;
    const id = `${object.path} ${object.placement.group}`;
    if (done.has(id)) continue;
    done.add(id);
    const members = sequenceMembers(object, model);
    if (members.length < 2) continue;
    const menu = consolePath(object.path);
    lines.push(
      '{',
      `  :local order {${members.map((m) => quote(m.key)).join(';')}}`,
      '  :for i from=([:len $order] - 2) to=0 step=-1 do={',
      `    :local a [:pick [${menu} find where comment=[:pick $order $i]] 0]`,
      `    :local b [:pick [${menu} find where comment=[:pick $order ($i + 1)]] 0]`,
      `    :local all [${menu} find]`,
      `    :if ([:find $all $a] > [:find $all $b]) do={ ${menu} move $a destination=$b }`,
      '  }',
      '}',
    );
  }
  return lines.length === 0 ? [] : [...section('keep rule order'), ...lines];
}

/** Removes radgate-tagged objects of each managed menu that the model does not want (untagged ones are never matched). */
function sweep(model: DesiredConfiguration): string[] {
  const lines: string[] = [];
  for (const managed of model.managedPaths) {
    const wanted = model.objects.filter((o) => o.path === managed.path).map((o) => ` and comment!=${quote(o.key)}`).join('');
    const dynamic = managed.dynamic ? ' and dynamic=no' : '';
    const only = Object.entries(managed.query ?? {}).map(([k, v]) => ` and ${k}=${value(v)}`).join('');
    lines.push(`${consolePath(managed.path)} remove [find where comment~${quote(`^${TAG_PREFIX}`)}${only}${dynamic}${wanted}]`);
  }
  return [...section('remove radgate objects this configuration no longer wants'), ...lines];
}

/**
 * The whole `.rsc`, ending with a newline. Every comment line goes through `comment` (rsc.ts), every value through
 * `value` / `quote`: whatever text the model holds, the lines that are not comments are this module's templates.
 */
export function renderScript(model: DesiredConfiguration): string {
  const lines: string[] = [
    ...[
      ...model.header,
      '',
      `Safe to run again: objects are found by comment="${TAG_PREFIX}<key>", added when missing, updated when present;`,
      `${TAG_PREFIX} objects no longer configured are removed; nothing without a ${TAG_PREFIX} comment is touched.`,
      'Contains the RADIUS shared secret of this NAS: keep the file private.',
      'Check first (RouterOS 7): /import file-name=<this file> dry-run verbose=yes',
    ].map(comment),
    ...preflight(model),
  ];
  for (const settings of model.settings) {
    lines.push(...section(consolePath(settings.path)), `${consolePath(settings.path)} set ${assignments(settings.properties)}`);
  }
  let previousPath: string | undefined;
  for (const object of model.objects) {
    if (object.path !== previousPath) lines.push(...section(consolePath(object.path)));
    previousPath = object.path;
    lines.push(...upsert(object, model));
  }
  lines.push(...sweep(model), ...ordering(model));
  return lines.join('\n') + '\n';
}
