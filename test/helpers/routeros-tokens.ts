/**
 * @module routeros/tokens
 * A strict tokenizer for the RouterOS script radgate renders (the `.rsc` and the PPP profile's on-up / on-down
 * scripts), written from the MikroTik *Scripting* manual's line structure (a command line ends at `;` or a line
 * break; a `#` line is a comment to the end of the line; strings are `"…"` with backslash escapes) and independent of
 * the renderer's escaping code in src/routeros/rsc.ts. It yields comment lines, strings, bare words, `$` variables,
 * punctuation and line breaks.
 *
 * Strict on purpose: what the renderer must never emit is a `SyntaxError` naming the line — any character outside
 * printable ASCII, space and the line feed (a raw CR, tab, NUL, C1 control, non-ASCII byte), a raw `$` or `?` inside
 * a string, an unknown escape, an unterminated string, a `\`, `?` or `#` outside strings and comments, a comment with
 * a raw `\` or `?` or one whose last character is a backslash.
 *
 * On top of the tokens: `commandsOf` (the path and verb of every command, e.g. `/ip firewall nat add`), `skeletonOf`
 * (the token stream with every value replaced by `<v>`: two scripts with the same skeleton have the same commands,
 * lines and structure and differ only in values) and `valuesOf` (every value with the parameter it belongs to).
 */

export type Token =
  | { readonly kind: 'comment'; readonly text: string; readonly line: number }
  | { readonly kind: 'string'; readonly text: string; readonly line: number; readonly start: number; readonly end: number }
  | { readonly kind: 'word'; readonly text: string; readonly line: number; readonly start: number; readonly end: number }
  | { readonly kind: 'variable'; readonly name: string; readonly line: number }
  | { readonly kind: 'punct'; readonly text: string; readonly line: number }
  | { readonly kind: 'newline'; readonly line: number };

/** Escapes the Scripting manual lists for strings; `\XX` (upper-case hex) is one byte. */
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"', '\\': '\\', $: '$', '?': '?', n: '\n', r: '\r', t: '\t', _: ' ', a: '\x07', b: '\b', f: '\f', v: '\v',
};
const PUNCT = new Set(['[', ']', '{', '}', '(', ')', ';']);
const WORD_END = new Set([' ', '\n', '"', '$', ...PUNCT]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const HEX = /^[0-9A-F]{2}/;
// ignoreBOM: a leading U+FEFF is a character of the value, not a byte-order mark.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

/** Tokenizes `source`; throws `SyntaxError` (`line N: …`) on anything outside the subset radgate emits. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  let lineStart = true;
  const fail = (what: string): never => {
    throw new SyntaxError(`line ${line}: ${what}`);
  };

  while (i < source.length) {
    const c = source[i]!;
    const code = c.charCodeAt(0);
    if (c !== '\n' && (code < 0x20 || code > 0x7e)) fail(`raw character U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
    if (c === '\n') {
      tokens.push({ kind: 'newline', line });
      line++;
      i++;
      lineStart = true;
      continue;
    }
    if (c === ' ') {
      i++;
      continue;
    }
    if (c === '#') {
      if (!lineStart) fail('"#" inside a command line');
      const end = source.indexOf('\n', i) === -1 ? source.length : source.indexOf('\n', i);
      tokens.push({ kind: 'comment', text: decodeComment(source.slice(i + 1, end), fail), line });
      i = end;
      continue;
    }
    lineStart = false;
    if (c === '"') {
      const { text, end } = readString(source, i, fail);
      tokens.push({ kind: 'string', text, line, start: i, end });
      i = end;
      continue;
    }
    if (c === '$') {
      if (source[i + 1] === '"') {
        const close = source.indexOf('"', i + 2);
        if (close === -1) fail('unterminated $"…"');
        tokens.push({ kind: 'variable', name: source.slice(i + 2, close), line });
        i = close + 1;
      } else {
        const name = IDENT.exec(source.slice(i + 1, i + 100))?.[0] ?? fail('"$" without a variable name');
        tokens.push({ kind: 'variable', name, line });
        i += 1 + name.length;
      }
      continue;
    }
    if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
      continue;
    }
    if (c === '\\' || c === '?') fail(`"${c}" outside a string`);
    let j = i;
    while (j < source.length && !WORD_END.has(source[j]!)) {
      const w = source[j]!;
      const wc = w.charCodeAt(0);
      if (w === '\\' || w === '?' || w === '#' || wc < 0x20 || wc > 0x7e) fail(`${JSON.stringify(w)} in a bare word`);
      j++;
    }
    tokens.push({ kind: 'word', text: source.slice(i, j), line, start: i, end: j });
    i = j;
  }
  return tokens;
}

/** A comment's text after `#`: one optional leading space, `\XX` escapes decoded as UTF-8. */
function decodeComment(raw: string, fail: (what: string) => never): string {
  if (raw.endsWith('\\')) fail('a comment ends in a backslash');
  const body = raw.startsWith(' ') ? raw.slice(1) : raw;
  const bytes: number[] = [];
  for (let k = 0; k < body.length; k++) {
    const ch = body[k]!;
    if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) > 0x7e) fail(`raw character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} in a comment`);
    if (ch === '?') fail('raw "?" in a comment');
    if (ch === '\\') {
      const hex = HEX.exec(body.slice(k + 1, k + 3))?.[0] ?? fail(`unknown escape in a comment: ${JSON.stringify(body.slice(k, k + 3))}`);
      bytes.push(parseInt(hex, 16));
      k += 2;
      continue;
    }
    bytes.push(ch.charCodeAt(0));
  }
  return UTF8.decode(Uint8Array.from(bytes));
}

function readString(source: string, start: number, fail: (what: string) => never): { text: string; end: number } {
  const bytes: number[] = [];
  const push = (s: string) => bytes.push(...ENCODER.encode(s));
  let k = start + 1;
  while (k < source.length) {
    const ch = source[k]!;
    if (ch === '"') return { text: UTF8.decode(Uint8Array.from(bytes)), end: k + 1 };
    if (ch === '\n') fail('line break inside a string');
    if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) > 0x7e) fail(`raw character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} inside a string`);
    if (ch === '$') fail('raw "$" inside a string (a substitution)');
    if (ch === '?') fail('raw "?" inside a string (console help)');
    if (ch === '\\') {
      const hex = HEX.exec(source.slice(k + 1, k + 3))?.[0];
      if (hex !== undefined) {
        bytes.push(parseInt(hex, 16));
        k += 3;
        continue;
      }
      const named = STRING_ESCAPES[source[k + 1] ?? ''] ?? fail(`unknown escape ${JSON.stringify(source.slice(k, k + 2))} in a string`);
      push(named);
      k += 2;
      continue;
    }
    bytes.push(ch.charCodeAt(0)); // printable ASCII: one byte
    k++;
  }
  return fail('unterminated string');
}

/** The command heads: at each statement start, the bare words up to the first parameter (`x=`) or other token. */
export function commandsOf(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  let atStart = true;
  let words: string[] = [];
  const flush = () => {
    if (words.length > 0) out.push(words.join(' '));
    words = [];
  };
  for (const token of tokens) {
    if (token.kind === 'word' && atStart && !/[=~]/.test(token.text)) {
      words.push(token.text);
      continue;
    }
    flush();
    atStart = token.kind === 'newline' || (token.kind === 'punct' && ['[', '{', '(', ';'].includes(token.text));
  }
  flush();
  return out;
}

/** A parameter (`name=`, `comment!=`, `comment~`) and its value, bare or quoted; `param` is '' for a lone string. */
export interface Value {
  readonly param: string;
  readonly value: string;
}

/** Splits a word into `param=` and a bare value, when it is one. */
function splitWord(text: string): { param: string; value: string } | undefined {
  const m = /^([^=~]*?[!]?[=~])(.*)$/.exec(text);
  return m === null ? undefined : { param: m[1]!.replace(/=$/, ''), value: m[2]! };
}

/** Every value in order: bare values of `x=y` words and every string (with the parameter written right before it). */
export function valuesOf(tokens: readonly Token[]): Value[] {
  const out: Value[] = [];
  tokens.forEach((token, k) => {
    if (token.kind === 'word') {
      const split = splitWord(token.text);
      if (split !== undefined && split.value !== '') out.push(split);
    } else if (token.kind === 'string') {
      const before = tokens[k - 1];
      const split = before?.kind === 'word' && before.end === token.start ? splitWord(before.text) : undefined;
      out.push({ param: split !== undefined && split.value === '' ? split.param : '', value: token.text });
    }
  });
  return out;
}

/**
 * The token stream as text with every value as `<v>` — `name=<v>` whether the value is bare or a string written
 * right after `name=`, a lone string as `<v>` — and every comment as `#`, each line break as `\n`.
 */
export function skeletonOf(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  tokens.forEach((token, k) => {
    const before = tokens[k - 1];
    switch (token.kind) {
      case 'comment': out.push('#'); break;
      case 'string':
        if (before?.kind === 'word' && before.end === token.start && splitWord(before.text)?.value === '') out[out.length - 1] += '<v>';
        else out.push('<v>');
        break;
      case 'word': {
        const split = splitWord(token.text);
        out.push(split !== undefined && split.value !== '' ? `${token.text.slice(0, token.text.length - split.value.length)}<v>` : token.text);
        break;
      }
      case 'variable': out.push(`$${token.name}`); break;
      case 'punct': out.push(token.text); break;
      case 'newline': out.push('\\n'); break;
    }
  });
  return out;
}
