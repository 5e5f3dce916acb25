/**
 * @module cli/progress
 * Progress of long work on a terminal: one stderr line (`importing subscribers  120,000 / 1,000,000  12%
 * 10,600/s  ETA 1m23s`) redrawn with `\r` at most every `intervalMs` (default 250 ms, four times a second), and
 * cleared when the work ends. Quiet when the stream is not a terminal (a script, a pipe, a log file) or with
 * `--quiet`: nothing is written at all. Either way `finish()` returns the summary line
 * (`imported 1,000,000 subscribers in 94 s (10,600/s)`) for the command to print with its result on stdout.
 *
 * The work reports through a plain callback, `onProgress(done, total)`, so the parts that do it (subscribers,
 * billing, routeros, enforce) know nothing of terminals. The clock and the stream are injectable for tests.
 */
import { humanAge } from './format.js';

/** What progress writes to: `process.stderr`, or a fake in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  /** Terminal width; the line is cut to fit so it never wraps (a wrapped line cannot be redrawn with `\r`). */
  readonly columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** What is happening, shown on the live line: `importing subscribers`. */
  readonly label: string;
  /** What was done, for the summary: `imported`. */
  readonly verb: string;
  /** What is counted, for the summary: `subscribers`; `one` when the count is 1 (default: `noun`). */
  readonly noun: string;
  readonly one?: string;
  /** Default `process.stderr`. */
  readonly stream?: ProgressStream;
  /** `--quiet`: no live line even on a terminal. */
  readonly quiet?: boolean;
  /** Milliseconds, monotonic. Default `performance.now`. */
  readonly clock?: () => number;
  /** Least time between two redraws, ms. Default 250. */
  readonly intervalMs?: number;
}

/** The `onProgress(done, total)` callback long operations take; `total` is undefined when not known. */
export type OnProgress = (done: number, total?: number) => void;

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Items per second for people: 10,638 → `10,600` (three figures), 52.4 → `52`, 2.46 → `2.5`, 0.0495 → `0.05`. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0';
  if (perSecond >= 100) {
    const step = 10 ** Math.max(0, Math.floor(Math.log10(perSecond)) - 2);
    return count(Math.round(perSecond / step) * step);
  }
  if (perSecond >= 10) return perSecond.toFixed(0);
  return perSecond >= 1 ? perSecond.toFixed(1) : String(Number(perSecond.toPrecision(2)));
}

/** Elapsed time for the summary: `0.4 s`, `94 s`, `12m05s`, `3h12m`. */
export function formatElapsed(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  return humanAge(seconds);
}

export class Progress {
  private readonly stream: ProgressStream;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private readonly live: boolean;
  private readonly started: number;
  private lastDraw: number;
  private drawnWidth = 0;
  private done = 0;
  private total: number | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.stream = options.stream ?? process.stderr;
    this.clock = options.clock ?? (() => performance.now());
    this.intervalMs = options.intervalMs ?? 250;
    if (!(this.intervalMs >= 0)) throw new RangeError(`progress: intervalMs must be 0 or more, got ${this.intervalMs}`);
    this.live = this.stream.isTTY === true && options.quiet !== true;
    this.started = this.clock();
    // The first line appears one interval in: work that ends sooner never flickers a line.
    this.lastDraw = this.started;
  }

  /** The callback to hand to the work. */
  readonly update: OnProgress = (done, total) => {
    this.done = done;
    this.total = total;
    if (!this.live) return;
    const now = this.clock();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(this.line(now));
  };

  /** The live line: label, count (of total, percent), rate, ETA when the total is known. */
  private line(now: number): string {
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const parts = [this.options.label];
    if (this.total !== undefined && this.total > 0) {
      parts.push(`${count(this.done)} / ${count(this.total)}`, `${Math.floor((100 * this.done) / this.total)}%`);
    } else {
      parts.push(count(this.done));
    }
    if (rate > 0) parts.push(`${formatRate(rate)}/s`);
    if (this.total !== undefined && rate > 0 && this.done < this.total) parts.push(`ETA ${humanAge((this.total - this.done) / rate)}`);
    return parts.join('  ');
  }

  private draw(text: string): void {
    const max = this.stream.columns !== undefined && this.stream.columns > 1 ? this.stream.columns - 1 : Infinity;
    const shown = text.length > max ? text.slice(0, max) : text;
    // Spaces over what the previous line left, so a shorter line leaves no tail.
    this.stream.write(`\r${shown.padEnd(this.drawnWidth)}`);
    this.drawnWidth = shown.length;
  }

  /** Clears the live line and returns the summary: `imported 1,000 subscribers in 2.1 s (476/s)`. */
  finish(done: number = this.done): string {
    if (this.drawnWidth > 0) this.stream.write(`\r${' '.repeat(this.drawnWidth)}\r`);
    this.drawnWidth = 0;
    const seconds = (this.clock() - this.started) / 1000;
    const rate = seconds > 0 ? ` (${formatRate(done / seconds)}/s)` : '';
    const noun = done === 1 ? (this.options.one ?? this.options.noun) : this.options.noun;
    return `${this.options.verb} ${count(done)} ${noun} in ${formatElapsed(seconds)}${rate}`;
  }

  /**
   * Runs `work` with this progress as its callback; clears the line whatever happens (an error message is never
   * printed over a half-drawn line). Returns the result and the summary of `counted(result)` items.
   */
  async track<T>(work: (onProgress: OnProgress) => Promise<T>, counted: (result: T) => number): Promise<{ result: T; summary: string }> {
    let result: T;
    try {
      result = await work(this.update);
    } catch (err) {
      this.finish();
      throw err;
    }
    return { result, summary: this.finish(counted(result)) };
  }
}
