/**
 * Terminal formatting (src/cli/format.ts): sizes, ages, escaping of recorded text, and columns aligned by the width
 * a terminal gives each character.
 */
import { describe, expect, it } from 'vitest';
import { displayText, displayWidth, humanAge, humanSize, table, terminalSafe } from '../../src/cli/format.js';

describe('humanSize', () => {
  it.each<[bigint | number, string]>([
    [0n, '0 B'],
    [1023n, '1023 B'],
    [1024n, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [1288490188n, '1.2 GiB'],
    [20n * 2n ** 32n, '80.0 GiB'],
    [5n * 2n ** 40n, '5.0 TiB'],
    [2n ** 64n - 1n, '16.0 EiB'],
    [-5, '0 B'],
  ])('%s → %s', (octets, text) => expect(humanSize(octets)).toBe(text));
});

describe('humanAge', () => {
  it.each([
    [0, '0s'],
    [9.9, '9s'],
    [60, '1m00s'],
    [185, '3m05s'],
    [3600, '1h00m'],
    [11_520, '3h12m'],
    [86_399, '23h59m'],
    [187_200, '2d04h'],
    [-30, '0s'],
    [NaN, '0s'],
  ])('%s s → %s', (seconds, text) => expect(humanAge(seconds)).toBe(text));
});

describe('displayText: recorded text cannot drive the terminal', () => {
  it.each([
    ['alice', 'alice'],
    ['bob\x1b[2J\x1b[H', 'bob\\x1b[2J\\x1b[H'], // clear screen, cursor home
    ['line\nbreak\rover\ttab', 'line\\nbreak\\rover\\ttab'],
    ['bell\x07 del\x7f nul\x00', 'bell\\x07 del\\x7f nul\\x00'],
    ['c1\u009b31m', 'c1\\x9b31m'], // the one-byte CSI
    ['admin\u202enimda', 'admin\\u202enimda'], // right-to-left override
    ['zero\u200bwidth\ufeff', 'zero\\u200bwidth\\ufeff'],
    ['sep\u2028arator', 'sep\\u2028arator'],
    ['lone \ud800 surrogate', 'lone \\ud800 surrogate'],
    ['José 山田 😀', 'José 山田 😀'], // printable text stays as it is
  ])('%j → %j', (raw, shown) => expect(displayText(raw)).toBe(shown));

  it('leaves no control character in anything it returns', () => {
    let all = '';
    for (let c = 0; c < 0x110000; c += c < 0x3000 ? 1 : 97) all += String.fromCodePoint(c);
    expect(displayText(all)).not.toMatch(/[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
  });
});

describe('displayWidth', () => {
  it.each([
    ['alice', 5],
    ['山田太郎', 8],
    ['ｆｕｌｌ', 8],
    ['😀x', 3],
    ['e\u0301', 1], // e + combining acute
    ['', 0],
  ])('%j → %d columns', (text, width) => expect(displayWidth(text)).toBe(width));
});

describe('table', () => {
  it('aligns columns two spaces apart, - for no value, trailing spaces trimmed', () => {
    expect(table(['ID', 'USER', 'IP'], [[1, 'alice', '100.64.0.7'], [22, 'bo', null]])).toBe(
      ['ID  USER   IP', '1   alice  100.64.0.7', '22  bo     -'].join('\n'),
    );
  });

  it('aligns right the columns asked for', () => {
    expect(table(['ID', 'IN'], [[1, '1.2 GiB'], [100, '512 B']], { right: [0, 1] })).toBe([' ID       IN', '  1  1.2 GiB', '100    512 B'].join('\n'));
  });

  it('counts wide characters as two columns and combining marks as none', () => {
    const out = table(['USER', 'NAS'], [['山田', 'core1'], ['José', 'core2'], ['Jose\u0301', 'core3'], ['😀', 'core4']]);
    const lines = out.split('\n');
    // Every NAS value starts at the same terminal column.
    const column = (line: string) => displayWidth(line.slice(0, line.indexOf('core')));
    expect(lines.slice(1).map(column)).toEqual([6, 6, 6, 6]);
    expect(lines[0]).toBe('USER  NAS');
  });

  it('shows control characters escaped and aligns by the escaped form', () => {
    const out = table(['USER', 'STATE'], [['evil\x1b[2J', 'open'], ['bob', 'open']]);
    expect(out).not.toContain('\x1b');
    expect(out).toBe(['USER         STATE', 'evil\\x1b[2J  open', 'bob          open'].join('\n'));
  });
});

describe('terminalSafe: the guard on everything the CLI prints', () => {
  it('keeps the layout (line feed, tab) and escapes every other unsafe character as JSON-compatible \\u escapes', () => {
    const hostile = 'a\tb\nc\r\x1b[2J\x7f\u009b\u202e\u2028\ud800\u{e0001}';
    expect(terminalSafe(hostile)).toBe('a\tb\nc\\u000d\\u001b[2J\\u007f\\u009b\\u202e\\u2028\\ud800\\udb40\\udc01');
    // JSON output keeps its value: a document read back is the document written.
    const doc = JSON.stringify({ username: hostile }, null, 2);
    expect(JSON.parse(terminalSafe(doc))).toEqual({ username: hostile });
    expect(terminalSafe('plain 山田 ✓ text\n')).toBe('plain 山田 ✓ text\n');
  });
});
