/**
 * @module routeros/script-check
 * A checker for the RouterOS script subset radgate emits (the `.rsc` and the PPP profile's on-up/on-down scripts):
 * brackets and quotes balanced, escapes known, and every variable either provided by the context (`$user`,
 * `$"remote-address"` …) or declared before use with `:local` / `:foreach` / `:for` in the same or an enclosing block.
 * It is not a RouterOS interpreter; it catches the mistakes a renderer can make (an unescaped `$` or quote, a
 * misspelt variable, an unbalanced block) before a router does.
 */

import { readQuoted } from '../../src/routeros/rsc.js';

/** Variables RouterOS defines for PPP profile on-up / on-down scripts (docs/routeros.md §6). */
export const PPP_SCRIPT_VARIABLES: readonly string[] = Object.freeze(['user', 'remote-address', 'local-address', 'caller-id', 'called-id', 'interface']);

const NAMED_ESCAPES = new Set(['"', '\\', '$', '?', 'n', 'r', 't', '_', 'a', 'b', 'f', 'v', '\n']);
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const PAIRS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

export interface CheckResult {
  /** One message per problem, with its line number. Empty when the script passes. */
  readonly errors: readonly string[];
  /** Every variable referenced, in order of first use. */
  readonly referenced: readonly string[];
}

/** Checks `source`; `provided` are the variables the context defines. */
export function checkScript(source: string, provided: readonly string[] = []): CheckResult {
  const errors: string[] = [];
  const referenced: string[] = [];
  const open: Array<{ char: string; line: number }> = [];
  // One scope per `{` block; the outermost holds the provided variables.
  const scopes: Array<Set<string>> = [new Set(provided)];
  let line = 1;
  let i = 0;
  let lineStart = true;

  const declared = (name: string) => scopes.some((s) => s.has(name));
  const use = (name: string) => {
    if (!referenced.includes(name)) referenced.push(name);
    if (!declared(name)) errors.push(`line ${line}: variable $${/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `"${name}"`} is not defined here`);
  };
  const declare = (name: string) => scopes[scopes.length - 1]!.add(name);

  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      line++;
      i++;
      lineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' && lineStart) {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    lineStart = false;
    if (c === '\\' && source[i + 1] === '\n') {
      i += 2; // line continuation
      line++;
      continue;
    }
    if (c === '"') {
      i = scanString(source, i);
      continue;
    }
    if (c === '$') {
      i++;
      if (source[i] === '"') {
        const end = source.indexOf('"', i + 1);
        if (end === -1) {
          errors.push(`line ${line}: unterminated $"…" variable name`);
          break;
        }
        use(source.slice(i + 1, end));
        i = end + 1;
      } else {
        IDENT.lastIndex = i;
        const m = IDENT.exec(source);
        if (m === null) {
          errors.push(`line ${line}: "$" not followed by a variable name`);
        } else {
          use(m[0]);
          i += m[0].length;
        }
      }
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      open.push({ char: c, line });
      if (c === '{') scopes.push(new Set());
      i++;
      continue;
    }
    if (c === ')' || c === ']' || c === '}') {
      const top = open.pop();
      if (top === undefined) errors.push(`line ${line}: "${c}" closes nothing`);
      else if (top.char !== PAIRS[c]) errors.push(`line ${line}: "${c}" closes "${top.char}" opened on line ${top.line}`);
      if (c === '}' && scopes.length > 1) scopes.pop();
      i++;
      continue;
    }
    // Declarations: `:local name`, `:foreach name in=`, `:for name from=`.
    const declaration = /:(local|foreach|for|global)\s+([A-Za-z_][A-Za-z0-9_]*)/y;
    declaration.lastIndex = i;
    const d = declaration.exec(source);
    if (d !== null) {
      if (d[1] === 'global') errors.push(`line ${line}: :global ${d[2]} (radgate scripts declare only locals)`);
      declare(d[2]!);
      i += d[0].length;
      continue;
    }
    i++;
  }
  for (const unclosed of open) errors.push(`line ${unclosed.line}: "${unclosed.char}" is never closed`);
  return { errors, referenced };

  /** Skips a string literal, checking its escapes; a bare `$` inside is a substitution and is checked too. */
  function scanString(text: string, start: number): number {
    const startLine = line;
    let j = start + 1;
    while (j < text.length) {
      const ch = text[j]!;
      if (ch === '"') return j + 1;
      if (ch === '\n') line++;
      if (ch === '\\') {
        const next = text[j + 1] ?? '';
        if (/^[0-9A-F]{2}$/.test(text.slice(j + 1, j + 3))) j += 3;
        else if (NAMED_ESCAPES.has(next)) {
          if (next === '\n') line++;
          j += 2;
        } else {
          errors.push(`line ${line}: unknown escape "\\${next}" in a string`);
          j += 2;
        }
        continue;
      }
      if (ch === '$') {
        IDENT.lastIndex = j + 1;
        const m = IDENT.exec(text);
        if (m === null) errors.push(`line ${line}: "$" in a string not followed by a variable name (escape it as \\$)`);
        else use(m[0]);
        j = m === null ? j + 1 : j + 1 + m[0].length;
        continue;
      }
      j++;
    }
    errors.push(`line ${startLine}: string never closed`);
    return text.length;
  }
}

/**
 * The decoded values of every `name="…"` assignment in `source` (e.g. each `on-up=` of a rendered `.rsc`), in
 * order, decoded with rsc.ts `readQuoted`.
 */
export function quotedAssignments(source: string, name: string): string[] {
  const out: string[] = [];
  const marker = `${name}="`;
  let at = source.indexOf(marker);
  while (at !== -1) {
    const before = at === 0 ? ' ' : source[at - 1]!;
    if (/\s/.test(before)) {
      const { text, end } = readQuoted(source, at + marker.length - 1);
      out.push(text);
      at = source.indexOf(marker, end);
    } else {
      at = source.indexOf(marker, at + marker.length);
    }
  }
  return out;
}
