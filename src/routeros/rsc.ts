/**
 * @module routeros/rsc
 * RouterOS script syntax for the values radgate writes: string quoting (`"`, `\`, `$` and `?` escaped, bytes outside
 * printable ASCII as `\XX` hex of their UTF-8 encoding, as `/export` writes them), comment lines (the same hex
 * escapes, so free text never leaves its line), durations in RouterOS form (`5m`, `1m30s`, `300ms`), and menu paths
 * (`/ip/firewall/nat` ↔ `/ip firewall nat`).
 */

/** A word that RouterOS reads the same whether quoted or not (and that cannot be mistaken for an id `*1A`). */
const BARE = /^!?[A-Za-z0-9][A-Za-z0-9_.:/,+@-]*$/;

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  // `$` starts a variable and `?` asks the console for help, even inside quotes.
  $: '\\$',
  '?': '\\?',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `\XX`: one byte in upper-case hex (lower-case letters are the named escapes `\a`, `\b`, `\f`). */
const hexByte = (byte: number) => `\\${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/** `text` as a RouterOS string literal, always quoted. */
export function quote(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    const named = NAMED_ESCAPES[char];
    if (named !== undefined) out += named;
    else if (byte >= 0x20 && byte < 0x7f) out += char;
    else out += hexByte(byte);
  }
  return out + '"';
}

/**
 * `text` as one comment line: `# ` and the text, with every byte outside printable ASCII — line breaks and every
 * other control character included — and `\` and `?` written as `\XX` hex of its UTF-8 encoding. The one way the
 * renderer writes free text outside a string (docs/routeros.md §8): a comment runs to the end of its line, so a line
 * break in the text would start a command. With `\` escaped the escapes stay unambiguous and no line ends in a
 * backslash; `?` asks the console for help wherever it is typed. `comment('')` is a bare `#`.
 */
export function comment(text: string): string {
  let out = text === '' ? '#' : '# ';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x3f ? String.fromCharCode(byte) : hexByte(byte);
  }
  return out;
}

/** A property value as written after `name=`: bare when that is unambiguous, else quoted. */
export function value(text: string): string {
  return BARE.test(text) ? text : quote(text);
}

/** What each named escape stands for. */
const UNESCAPE: Readonly<Record<string, string>> = {
  '"': '"', '\\': '\\', $: '$', '?': '?', n: '\n', r: '\r', t: '\t', _: ' ', a: '\x07', b: '\b', f: '\f', v: '\v',
};

/**
 * Reads a RouterOS string literal starting at `source[start]` (which must be `"`); returns the decoded text and the
 * index after the closing quote. The inverse of `quote` (and of the other escapes RouterOS knows). Throws on an
 * unterminated string or an unknown escape.
 */
export function readQuoted(source: string, start: number): { text: string; end: number } {
  if (source[start] !== '"') throw new SyntaxError(`expected " at ${start}`);
  const bytes: number[] = [];
  const pushText = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
  let i = start + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '"') return { text: Buffer.from(bytes).toString('utf8'), end: i + 1 };
    if (c !== '\\') {
      pushText(c);
      i++;
      continue;
    }
    const next = source[i + 1];
    if (next === undefined) break;
    // Hex pairs are upper case (`\AB`); lower-case letters are the named escapes (`\a`, `\b`, `\f`).
    if (/^[0-9A-F]{2}$/.test(source.slice(i + 1, i + 3))) {
      bytes.push(parseInt(source.slice(i + 1, i + 3), 16));
      i += 3;
    } else if (UNESCAPE[next] !== undefined) {
      pushText(UNESCAPE[next]!);
      i += 2;
    } else if (next === '\n') {
      i += 2; // line continuation inside a string
    } else {
      throw new SyntaxError(`unknown escape \\${next} at ${i}`);
    }
  }
  throw new SyntaxError(`unterminated string starting at ${start}`);
}

/** Seconds in RouterOS duration form: `3s`, `500ms`, `5m`, `1m30s`, `1d2h`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`not a duration: ${seconds}`);
  let ms = Math.round(seconds * 1000);
  if (ms === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) parts.push(`${n}${unit}`);
    ms -= n * size;
  }
  return parts.join('');
}

/**
 * Parses a duration as RouterOS prints it — `1d2h3m4s`, `300ms`, `00:05:00`, `1w2d00:00:10`, or plain seconds —
 * to seconds; undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const clock = /^((?:\d+[wd])*)(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(t);
  if (clock) {
    const head = clock[1] === '' ? 0 : parseDuration(clock[1]!);
    if (head === undefined) return undefined;
    const fraction = clock[5] === undefined ? 0 : Number(`0.${clock[5]}`);
    return head + Number(clock[2]) * 3600 + Number(clock[3]) * 60 + Number(clock[4]) + fraction;
  }
  const units: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  const part = /(\d+(?:\.\d+)?)(ms|us|w|d|h|m|s)/y;
  let total = 0;
  let matched = 0;
  while (part.lastIndex < t.length) {
    const m = part.exec(t);
    if (m === null) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    matched++;
  }
  return matched > 0 ? Math.round(total * 1e6) / 1e6 : undefined;
}

/** `/ip/firewall/nat` → `/ip firewall nat` (the console form). */
export function consolePath(apiPath: string): string {
  const [, first = '', ...rest] = apiPath.split('/');
  return rest.length === 0 ? `/${first}` : `/${first} ${rest.join(' ')}`;
}
