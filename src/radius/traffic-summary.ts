/**
 * The request log at the default level (`info`): a routine answer — an Access-Accept, an Interim-Update recorded, a
 * Status-Server — gets no line of its own (that is `debug`), because at ISP rates those lines are most of the log
 * and most of the CPU a request costs; every Reject, every session Start and Stop, every drop and every error still
 * gets one. What the routine lines would have said is summed per NAS and written once a minute, so the log still
 * shows that a router is being served (docs/radius-protocol.md §18).
 */
import type { Logger } from '../log.js';

/** How often the summary is written, when anything was answered. */
export const SUMMARY_INTERVAL_MS = 60_000;

export class TrafficSummary {
  /** NAS name → outcome (`accept`, `recorded`, `alive`…) → count since the last line. */
  private counts = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly log: Logger, private readonly intervalMs = SUMMARY_INTERVAL_MS) {}

  start(): void {
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop the timer and write what is left. */
  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }

  /**
   * The request line of one answer: written when its level is on (`debug` for a routine answer, else `info`),
   * otherwise a routine answer is counted for the summary. The line's object is built only when it is written.
   */
  answered(nas: string, result: { log: Record<string, unknown>; routine?: boolean }, latencyMs: number, fields?: Record<string, unknown>): void {
    const level = result.routine ? 'debug' : 'info';
    if (this.log.isLevelEnabled(level)) {
      this.log[level]({ nas, ...fields, ...result.log, latencyMs: Math.round(latencyMs * 1000) / 1000 }, 'request');
    } else if (result.routine) {
      this.count(nas, String(result.log['outcome'] ?? 'answered'));
    }
  }

  count(nas: string, outcome: string): void {
    let byOutcome = this.counts.get(nas);
    if (!byOutcome) this.counts.set(nas, (byOutcome = new Map()));
    byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1);
  }

  flush(): void {
    if (this.counts.size === 0) return;
    const counts = this.counts;
    this.counts = new Map();
    for (const [nas, byOutcome] of counts) {
      this.log.info({ nas, seconds: Math.round(this.intervalMs / 1000), ...Object.fromEntries(byOutcome) }, 'routine requests answered');
    }
  }
}
