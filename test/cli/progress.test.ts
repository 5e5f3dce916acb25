/** The progress line (src/cli/progress.ts) with a fake terminal and a fake clock: throttling, rate, ETA, summary, quiet. */
import { describe, expect, it } from 'vitest';
import { formatElapsed, formatRate, Progress, type ProgressStream } from '../../src/cli/progress.js';

class FakeStream implements ProgressStream {
  readonly writes: string[] = [];
  constructor(readonly isTTY: boolean, readonly columns?: number) {}
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
  /** What a terminal would show on the line now: each `\r` returns to column 0 and later text overwrites. */
  get screen(): string {
    let line: string[] = [];
    let col = 0;
    for (const ch of this.writes.join('')) {
      if (ch === '\r') col = 0;
      else line[col++] = ch;
    }
    return line.join('').trimEnd();
  }
}

function setup(options: { tty?: boolean; quiet?: boolean; columns?: number } = {}) {
  let now = 1_000; // ms; any origin
  const stream = new FakeStream(options.tty ?? true, options.columns);
  const progress = new Progress({ label: 'importing subscribers', verb: 'imported', noun: 'subscribers', one: 'subscriber', stream, clock: () => now, quiet: options.quiet });
  return { stream, progress, advance: (ms: number) => (now += ms) };
}

describe('Progress on a terminal', () => {
  it('redraws at most once per interval (250 ms), and not before the first interval has passed', () => {
    const { stream, progress, advance } = setup();
    progress.update(10, 1000);
    expect(stream.writes).toEqual([]); // work that ends within 250 ms never shows a line
    advance(250);
    progress.update(20, 1000);
    expect(stream.writes).toHaveLength(1);
    for (let i = 0; i < 100; i++) {
      advance(2); // 200 ms in all: still inside the interval
      progress.update(21 + i, 1000);
    }
    expect(stream.writes).toHaveLength(1);
    advance(50);
    progress.update(200, 1000);
    expect(stream.writes).toHaveLength(2);
    expect(stream.writes.every((w) => w.startsWith('\r') && !w.includes('\n'))).toBe(true);
  });

  it('shows count of total, percent, rate and ETA', () => {
    const { stream, progress, advance } = setup();
    advance(2_000);
    progress.update(20_000, 1_000_000); // 10,000/s; 980,000 left → 98 s
    expect(stream.screen).toBe('importing subscribers  20,000 / 1,000,000  2%  10,000/s  ETA 1m38s');
  });

  it('without a total: the count and the rate, no percent or ETA', () => {
    const { stream, progress, advance } = setup();
    advance(4_000);
    progress.update(1_234);
    expect(stream.screen).toBe('importing subscribers  1,234  309/s'); // 308.5/s, three figures
  });

  it('a shorter line overwrites the longer one completely; the line is cut to the terminal width', () => {
    const { stream, progress, advance } = setup({ columns: 30 });
    advance(1_000);
    progress.update(123_456, 1_000_000);
    expect(stream.screen).toBe('importing subscribers  123,45'); // columns − 1 = 29: the line never wraps
    const narrow = setup();
    narrow.advance(1_000);
    narrow.progress.update(999_999, 1_000_000);
    narrow.advance(100_000);
    narrow.progress.update(5); // count went down (another phase): no tail of the old line left
    expect(narrow.stream.screen).toBe('importing subscribers  5  0.05/s');
  });

  it('finish clears the line and returns the summary with elapsed time and rate', () => {
    const { stream, progress, advance } = setup();
    advance(94_000);
    progress.update(999_000, 1_000_000);
    expect(stream.screen).not.toBe('');
    expect(progress.finish(1_000_000)).toBe('imported 1,000,000 subscribers in 94 s (10,600/s)');
    expect(stream.screen).toBe('');
    expect(stream.writes.at(-1)).toMatch(/^\r +\r$/);
  });

  it('finish without a drawn line writes nothing; one item is singular', () => {
    const { stream, progress, advance } = setup();
    advance(400);
    expect(progress.finish(1)).toBe('imported 1 subscriber in 0.4 s (2.5/s)');
    expect(stream.writes).toEqual([]);
  });

  it('track clears the line when the work fails, so the error is not printed over it', async () => {
    const { stream, progress, advance } = setup();
    const failing = progress.track(async (onProgress) => {
      advance(500);
      onProgress(5, 10);
      throw new Error('database gone');
    }, () => 0);
    await expect(failing).rejects.toThrow('database gone');
    expect(stream.writes.length).toBeGreaterThan(1);
    expect(stream.screen).toBe('');
  });

  it('track passes its callback and counts the result', async () => {
    const { stream, progress, advance } = setup();
    const { result, summary } = await progress.track(async (onProgress) => {
      for (let i = 1; i <= 4; i++) {
        advance(300);
        onProgress(i * 250, 1000);
      }
      return { imported: 1000 };
    }, (r) => r.imported);
    expect(result).toEqual({ imported: 1000 });
    expect(summary).toBe('imported 1,000 subscribers in 1.2 s (833/s)');
    expect(stream.writes.filter((w) => /\d+\/s/.test(w))).toHaveLength(4);
  });
});

describe('Progress in a script', () => {
  it('stream not a terminal: nothing written, the summary still returned', () => {
    const { stream, progress, advance } = setup({ tty: false });
    for (let i = 1; i <= 10; i++) {
      advance(1_000);
      progress.update(i * 100, 1_000);
    }
    expect(progress.finish()).toBe('imported 1,000 subscribers in 10 s (100/s)');
    expect(stream.writes).toEqual([]);
  });

  it('--quiet on a terminal: nothing written, the summary still returned', () => {
    const { stream, progress, advance } = setup({ quiet: true });
    advance(3_000);
    progress.update(600, 1_000);
    expect(progress.finish(1_000)).toBe('imported 1,000 subscribers in 3.0 s (333/s)');
    expect(stream.writes).toEqual([]);
  });

  it('a negative interval is refused when the progress is made', () => {
    expect(() => new Progress({ label: 'x', verb: 'did', noun: 'things', stream: new FakeStream(true), intervalMs: -1 })).toThrow(RangeError);
  });
});

describe('formatRate and formatElapsed', () => {
  it.each([
    [10_638.3, '10,600'],
    [999.4, '999'],
    [123_456, '123,000'],
    [52.4, '52'],
    [2.5, '2.5'],
    [0.0495, '0.05'],
    [0, '0'],
    [Infinity, '0'],
  ])('rate %s → %s', (rate, text) => expect(formatRate(rate)).toBe(text));

  it.each([
    [0.4, '0.4 s'],
    [9.96, '10.0 s'],
    [94.4, '94 s'],
    [725, '12m05s'],
    [11_520, '3h12m'],
  ])('elapsed %s s → %s', (seconds, text) => expect(formatElapsed(seconds)).toBe(text));
});
