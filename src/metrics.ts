/**
 * Prometheus metrics (prom-client). One registry per radgate instance; subsystems record through the small
 * functions here, and gauges that reflect state (sessions, subscribers, job queue) are computed at scrape time.
 */
import client from 'prom-client';
import type { DropReason, HandlerResult, RadiusObserver } from './radius/server.js';
import { CODE_NAMES } from './radius/codes.js';
import type { RadsecObserver } from './radius/radsec.js';

/** Reject reasons folded into a bounded set of label values. */
export function rejectReasonLabel(reason: unknown): string {
  const text = String(reason ?? '');
  if (text === 'unknown user') return 'unknown-user';
  if (text === 'wrong password') return 'wrong-password';
  if (text === 'suspended' || text === 'disabled') return text;
  if (text.startsWith('plan ')) return 'plan-not-configured';
  if (text.startsWith('CHAP needs')) return 'chap-needs-password';
  if (/session/i.test(text)) return 'session-limit';
  if (text.startsWith('no credentials')) return 'no-credentials';
  if (text.startsWith('no User-Name')) return 'no-user-name';
  if (/MS-CHAP|User-Password|LM-Response/.test(text)) return 'malformed-credentials';
  if (text === 'EAP not supported') return 'eap-not-supported';
  return 'other';
}

export class Metrics {
  readonly registry = new client.Registry();

  readonly requests = new client.Counter({
    name: 'radgate_radius_requests_total',
    help: 'RADIUS requests answered, by NAS, request code and outcome (accept, reject, alive, accounted)',
    labelNames: ['nas', 'code', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });

  readonly dropped = new client.Counter({
    name: 'radgate_radius_dropped_total',
    help: 'Datagrams dropped without a reply, by NAS (unknown for unknown sources) and reason',
    labelNames: ['nas', 'reason'] as const,
    registers: [this.registry],
  });

  readonly duplicates = new client.Counter({
    name: 'radgate_radius_duplicates_resent_total',
    help: 'Retransmissions answered from the duplicate cache',
    labelNames: ['nas'] as const,
    registers: [this.registry],
  });

  readonly latency = new client.Histogram({
    name: 'radgate_radius_request_duration_seconds',
    help: 'Time from datagram to reply decision, by request code',
    labelNames: ['code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly configReloads = new client.Counter({
    name: 'radgate_config_reloads_total',
    help: 'Configuration reloads, by result (applied, refused)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly accountingRecords = new client.Counter({
    name: 'radgate_accounting_records_total',
    help: 'Accounting records written, by result (committed, failed: no reply sent, the NAS retries)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly accountingRejected = new client.Counter({
    name: 'radgate_accounting_records_rejected_total',
    help: 'Accounting records the database refused on their own (a data error, found by splitting the batch), by SQLSTATE: not recorded, no reply',
    labelNames: ['sqlstate'] as const,
    registers: [this.registry],
  });

  readonly accountingTextNormalised = new client.Counter({
    name: 'radgate_accounting_text_normalised_total',
    help: 'Text attributes of accounting records that were not printable UTF-8 and were stored normalised (docs/radius-protocol.md §16), by attribute',
    labelNames: ['attribute'] as const,
    registers: [this.registry],
  });

  readonly accountingBatchSize = new client.Histogram({
    name: 'radgate_accounting_batch_size',
    help: 'Accounting records per transaction (group commit)',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
    registers: [this.registry],
  });

  readonly accountingCommitSeconds = new client.Histogram({
    name: 'radgate_accounting_commit_duration_seconds',
    help: 'Time to commit one accounting batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  readonly enforcementAttempts = new client.Counter({
    name: 'radgate_enforcement_attempts_total',
    help: 'Enforcement attempts by NAS, step (coa, disconnect, api) and result (ack, nak, timeout, …)',
    labelNames: ['nas', 'method', 'result'] as const,
    registers: [this.registry],
  });

  readonly retentionPrunedRows = new client.Counter({
    name: 'radgate_retention_pruned_rows_total',
    help: 'Rows deleted by the periodic retention prune, by table (server.yaml retention)',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  readonly notifications = new client.Counter({
    name: 'radgate_notifications_total',
    help: 'Notification attempts finished by this instance, by channel (email, webhook) and outcome (sent, retry, failed, skipped, deferred)',
    labelNames: ['channel', 'state'] as const,
    registers: [this.registry],
  });

  /** For the notification worker's `onFinish`. */
  readonly notificationFinished = (channel: string, state: string): void => {
    this.notifications.inc({ channel, state });
  };

  /** For the retention schedule's `onPruned`. */
  readonly retentionPruned = (table: string, rows: number): void => {
    this.retentionPrunedRows.inc({ table }, rows);
  };

  /** For enforcement's `onAttempt`. */
  readonly enforcementAttempt = (attempt: { nas: string; method: string; result: string }): void => {
    this.enforcementAttempts.inc({ nas: attempt.nas, method: attempt.method, result: attempt.result });
  };

  /** For the accounting writer's `onBatch`. */
  readonly accountingBatch = (records: number, committed: boolean, seconds: number): void => {
    this.accountingRecords.inc({ result: committed ? 'committed' : 'failed' }, records);
    this.accountingBatchSize.observe(records);
    if (committed) this.accountingCommitSeconds.observe(seconds);
  };

  /** For the accounting writer's `onRejected`. */
  readonly accountingRecordRejected = (sqlstate: string): void => {
    this.accountingRejected.inc({ sqlstate });
  };

  /** For the Accounting-Request handler's `onTextNormalised`. */
  readonly accountingTextNormalisation = (attribute: string): void => {
    this.accountingTextNormalised.inc({ attribute });
  };

  readonly collectFailures = new client.Counter({
    name: 'radgate_metrics_collect_failures_total',
    help: 'Scrapes in which a gauge computed from the database could not be read (left out of that scrape), by gauge',
    labelNames: ['gauge'] as const,
    registers: [this.registry],
  });

  /** Told when a scrape-time gauge cannot be computed (the composition root logs it, rate-limited). */
  onCollectError: ((gauge: string, err: unknown) => void) | undefined;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'radgate_' });
  }

  /**
   * A gauge whose value is computed at scrape time. When that fails (the database is away) the gauge is left out of
   * the scrape and counted, and the rest of the scrape is still served: the counters matter most in an outage.
   */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (set: (labels: Record<L, string>, value: number) => void) => Promise<void> | void): void {
    const metrics = this;
    const gauge: client.Gauge<L> = new client.Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        gauge.reset();
        try {
          await collect((labels, value) => gauge.set(labels as Partial<Record<L, string | number>>, value));
        } catch (err) {
          gauge.reset();
          metrics.collectFailures.inc({ gauge: name });
          metrics.onCollectError?.(name, err);
        }
      },
    });
  }

  readonly radsecConnections = new client.Counter({
    name: 'radgate_radsec_connections_total',
    help: 'RadSec (RADIUS over TLS) connections accepted, by NAS',
    labelNames: ['nas'] as const,
    registers: [this.registry],
  });

  readonly radsecRefused = new client.Counter({
    name: 'radgate_radsec_refused_total',
    help: 'RadSec connections refused, by reason (handshake-failed, no-certificate, untrusted-certificate, unknown-certificate, connection-limit)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly radsecClosed = new client.Counter({
    name: 'radgate_radsec_closed_total',
    help: 'RadSec connections closed, by NAS and reason (peer-closed, bad-framing, idle-timeout, socket-error, server-stopping)',
    labelNames: ['nas', 'reason'] as const,
    registers: [this.registry],
  });

  /** Connection counters of the RadSec listener (docs/radsec.md); its requests count through `radiusObserver`. */
  radsecObserver(): RadsecObserver {
    return {
      accepted: (nas) => this.radsecConnections.inc({ nas }),
      refused: (reason) => this.radsecRefused.inc({ reason }),
      closed: (nas, reason) => this.radsecClosed.inc({ nas, reason }),
    };
  }

  radiusObserver(): RadiusObserver {
    return {
      dropped: (reason: DropReason, nas) => this.dropped.inc({ nas: nas ?? 'unknown', reason }),
      duplicateResent: (nas) => this.duplicates.inc({ nas }),
      replied: (nas, requestCode, result: HandlerResult, seconds) => {
        const code = CODE_NAMES[requestCode] ?? String(requestCode);
        const outcome = String(result.log.outcome ?? 'answered');
        this.requests.inc({ nas, code, outcome, reason: outcome === 'reject' ? rejectReasonLabel(result.log.reason) : '' });
        this.latency.observe({ code }, seconds);
      },
    };
  }
}
