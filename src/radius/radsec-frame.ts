/**
 * RADIUS packets out of a byte stream (RFC 6614 §3.4 (1), RFC 6613 §2.6.4): over TLS each packet is framed by its own Length field
 * (octets 2–3), nothing else. A Length below 20 or above 4096 (RFC 2865 §3) cannot be resynchronised from: the
 * stream is broken and the connection must be closed, which the caller does on a `bad-length` verdict.
 */
import { HEADER_LENGTH, MAX_PACKET_LENGTH } from './codes.js';

export type FramerError = { reason: 'bad-length'; length: number };

export class StreamFramer {
  private buffered: Buffer[] = [];
  private size = 0;
  private broken = false;

  /**
   * Add received bytes; returns the whole packets they complete (each its own Buffer), or the error that broke the
   * stream. After an error every later call returns the same error: nothing after a bad Length can be trusted.
   */
  push(chunk: Buffer): { packets: Buffer[] } | { error: FramerError } {
    if (this.broken) return { error: { reason: 'bad-length', length: -1 } };
    this.buffered.push(chunk);
    this.size += chunk.length;
    const packets: Buffer[] = [];
    while (this.size >= 4) {
      const head = this.peek(4);
      const length = head.readUInt16BE(2);
      if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH) {
        this.broken = true;
        this.buffered = [];
        this.size = 0;
        return { error: { reason: 'bad-length', length } };
      }
      if (this.size < length) break;
      packets.push(this.take(length));
    }
    return { packets };
  }

  /** Bytes received but not yet a whole packet (a connection closed with some left over ended mid-packet). */
  get pending(): number {
    return this.size;
  }

  private peek(n: number): Buffer {
    if (this.buffered[0]!.length < n) this.buffered = [Buffer.concat(this.buffered)];
    return this.buffered[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const joined = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    // A copy: the packet outlives the chunk (the duplicate cache, a delayed reply), the rest stays buffered.
    const packet = Buffer.from(joined.subarray(0, n));
    const rest = joined.subarray(n);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.size -= n;
    return packet;
  }
}
