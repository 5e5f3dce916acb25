/**
 * RouterOS API wire format (docs/routeros.md §9): a word is a length prefix plus bytes, a sentence is words ended by an
 * empty word. Words are UTF-8 on our side: RouterOS stores bytes, and the names radgate matches (PPP users, comments)
 * arrived over RADIUS as UTF-8.
 */

/** Largest word we accept from a router (a print row is small; this bounds memory on a corrupt stream). */
export const MAX_WORD_LENGTH = 16 * 1024 * 1024;

/** The length prefix of a word of `length` bytes. */
export function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  if (length < 0x4000) return Buffer.of(((length >> 8) & 0xff) | 0x80, length & 0xff);
  if (length < 0x200000) return Buffer.of(((length >> 16) & 0xff) | 0xc0, (length >> 8) & 0xff, length & 0xff);
  if (length < 0x10000000) {
    return Buffer.of(((length >>> 24) & 0xff) | 0xe0, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
  }
  const out = Buffer.alloc(5);
  out[0] = 0xf0;
  out.writeUInt32BE(length, 1);
  return out;
}

/** One sentence: each word with its prefix, then the empty word. */
export function encodeSentence(words: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const word of words) {
    const bytes = Buffer.from(word, 'utf8');
    parts.push(encodeLength(bytes.length), bytes);
  }
  parts.push(Buffer.of(0));
  return Buffer.concat(parts);
}

/**
 * Incremental decoder: feed it socket chunks in any split, get whole sentences. A length prefix or a word cut across
 * chunks is kept until the rest arrives. Throws on a control byte (0xF8–0xFF) or an oversized word: the stream is
 * then unusable and the caller must drop the connection.
 */
export class SentenceDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private words: string[] = [];

  push(chunk: Buffer): string[][] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const sentences: string[][] = [];
    let offset = 0;
    for (;;) {
      const header = decodeLength(this.buffer, offset);
      if (header === undefined) break;
      const [length, size] = header;
      if (length > MAX_WORD_LENGTH) throw new Error(`RouterOS API word of ${length} bytes exceeds the limit`);
      if (offset + size + length > this.buffer.length) break;
      const word = this.buffer.toString('utf8', offset + size, offset + size + length);
      offset += size + length;
      if (length === 0) {
        sentences.push(this.words);
        this.words = [];
      } else {
        this.words.push(word);
      }
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
    return sentences;
  }
}

/** [length, prefix size] of the word at `offset`, or undefined when the prefix is not complete yet. */
function decodeLength(buffer: Buffer, offset: number): [number, number] | undefined {
  if (offset >= buffer.length) return undefined;
  const first = buffer[offset]!;
  const need = first < 0x80 ? 1 : first < 0xc0 ? 2 : first < 0xe0 ? 3 : first < 0xf0 ? 4 : first === 0xf0 ? 5 : -1;
  if (need < 0) throw new Error(`RouterOS API control byte 0x${first.toString(16)} is not supported`);
  if (offset + need > buffer.length) return undefined;
  switch (need) {
    case 1:
      return [first, 1];
    case 2:
      return [((first & 0x3f) << 8) | buffer[offset + 1]!, 2];
    case 3:
      return [((first & 0x1f) << 16) | (buffer[offset + 1]! << 8) | buffer[offset + 2]!, 3];
    case 4:
      return [(((first & 0x0f) << 24) | (buffer[offset + 1]! << 16) | (buffer[offset + 2]! << 8) | buffer[offset + 3]!) >>> 0, 4];
    default:
      return [buffer.readUInt32BE(offset + 1), 5];
  }
}

/** A reply sentence, parsed: its type (`!re`, `!done`, `!trap`, `!fatal`, `!empty`), `.tag`, and `=name=value` words. */
export interface Reply {
  type: string;
  tag: string | undefined;
  attributes: Record<string, string>;
  /** Words that are neither `=attr` nor `.tag` (the reason of a `!fatal`). */
  other: string[];
}

export function parseReply(sentence: readonly string[]): Reply {
  const [type = '', ...rest] = sentence;
  const attributes: Record<string, string> = {};
  const other: string[] = [];
  let tag: string | undefined;
  for (const word of rest) {
    if (word.startsWith('.tag=')) tag = word.slice(5);
    else if (word.startsWith('=')) {
      // `=name=value`; the value may itself contain "=".
      const eq = word.indexOf('=', 1);
      if (eq < 0) attributes[word.slice(1)] = '';
      else attributes[word.slice(1, eq)] = word.slice(eq + 1);
    } else other.push(word);
  }
  return { type, tag, attributes, other };
}
