/** RouterOS API word and sentence encoding (docs/routeros.md §9), as literal bytes, and the incremental decoder. */
import { describe, expect, it } from 'vitest';
import { encodeLength, encodeSentence, parseReply, SentenceDecoder } from '../../src/routeros/wire.js';

describe('word length prefix', () => {
  // The boundaries of each prefix size, bytes written out by hand from the table in docs/routeros.md §9.
  const cases: Array<[number, string]> = [
    [0, '00'],
    [0x7f, '7f'],
    [0x80, '8080'],
    [0x3fff, 'bfff'],
    [0x4000, 'c04000'],
    [0x1fffff, 'dfffff'],
    [0x200000, 'e0200000'],
    [0xfffffff, 'efffffff'],
    [0x10000000, 'f010000000'],
  ];
  it.each(cases)('%i → %s', (length, hex) => {
    expect(encodeLength(length).toString('hex')).toBe(hex);
  });

  it.each(cases.filter(([n]) => n > 0 && n < 0x300000))('decodes a word of %i bytes split at every prefix byte', (length) => {
    const word = 'x'.repeat(length);
    const bytes = encodeSentence([word]);
    const prefix = encodeLength(length).length;
    for (let cut = 1; cut <= prefix + 1; cut++) {
      const decoder = new SentenceDecoder();
      expect(decoder.push(bytes.subarray(0, cut))).toEqual([]);
      const out = decoder.push(bytes.subarray(cut));
      expect(out).toHaveLength(1);
      expect(out[0]![0]!.length).toBe(length);
    }
  });
});

describe('sentences', () => {
  it('encodes /login as the router expects', () => {
    expect(encodeSentence(['/login', '=name=a', '=password=b']).toString('hex')).toBe(
      '06' + Buffer.from('/login').toString('hex') + '07' + Buffer.from('=name=a').toString('hex') + '0b' + Buffer.from('=password=b').toString('hex') + '00',
    );
  });

  it('decodes several sentences fed one byte at a time, UTF-8 intact', () => {
    const bytes = Buffer.concat([encodeSentence(['!re', '=name=zoë', '.tag=1']), encodeSentence(['!done', '.tag=1'])]);
    const decoder = new SentenceDecoder();
    const out: string[][] = [];
    for (const byte of bytes) out.push(...decoder.push(Buffer.of(byte)));
    expect(out).toEqual([['!re', '=name=zoë', '.tag=1'], ['!done', '.tag=1']]);
  });

  it('rejects a control byte', () => {
    expect(() => new SentenceDecoder().push(Buffer.of(0xf8))).toThrow(/control byte/);
  });

  it('parses replies: tag, attributes with "=" in the value, other words', () => {
    expect(parseReply(['!re', '=comment=a=b', '=.id=*1', '.tag=7'])).toEqual({
      type: '!re', tag: '7', attributes: { comment: 'a=b', '.id': '*1' }, other: [],
    });
    expect(parseReply(['!fatal', 'session terminated on request']).other).toEqual(['session terminated on request']);
  });
});
