/**
 * @module payments/intake
 * One gateway callback, from raw bytes to an answer (docs/payments.md):
 *
 *   provider known? ─no─▶ 404
 *   body ≤ 64 KiB? ─no─▶ 413 (the web layer stops reading at the limit)
 *   signature header → try every workspace's keys for this provider ─none─▶ 401, nothing stored (counted, logged)
 *   timestamp within the matching workspace's tolerance? ─no─▶ 401, nothing stored
 *   body → event (events.ts) ─invalid─▶ 400 `rejected` (stored when it names an event id)
 *   event id stored as recorded or ignored? ─yes─▶ the stored status and body again (replay); a stored refusal is
 *   evaluated again and its row replaced, since the operator may have fixed its cause
 *   ignored type ─▶ 200 `ignored` · account → subscriber ─none─▶ 422 `unknown_account`
 *   amount a whole number > 0? ─no─▶ 422 `amount_invalid` · currency = plan's? ─no─▶ 422 `currency_mismatch`
 *   BillingAccounts.pay (method = provider, reference `<provider>:<event id>`, actor `hook:<provider>`) ─▶ 200
 *   `recorded`; the restore job is queued in the payment's transaction, as with `radgate pay`
 *
 * Every verified outcome is stored in payment_callbacks; two simultaneous deliveries of one event make one payment
 * (pay is idempotent by reference) and one row (recordCallback), and both get the stored answer.
 */
import type { BillingAccounts } from '../billing/accounts.js';
import { PAYMENT_PROVIDERS, type Config, type PaymentProvider, type WorkspaceConfig } from '../config/index.js';
import type { Db } from '../db/client.js';
import type { PaymentCallbackOutcome } from '../db/schema/payment-callbacks.js';
import { RadgateError } from '../errors.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log-limit.js';
import { subscriberByAccount } from '../subscribers/table.js';
import { findCallback, recordCallback, type NewPaymentCallback } from './callbacks.js';
import { EVENT_PARSERS, storedText, wellFormed, type PaymentOrder } from './events.js';
import { PaymentReferences } from './reference.js';
import { parseSignatureHeader, signatureMatches, timestampFresh } from './signature.js';

/** Bodies larger than this are refused (413) without being read further. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The signature header of each provider (lower-case, as HTTP headers are compared). */
export const SIGNATURE_HEADERS: Readonly<Record<PaymentProvider, string>> = {
  generic: 'radgate-signature',
  stripe: 'stripe-signature',
};

/** What the intake answers: an HTTP status and a JSON body. */
export interface HookAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Outcomes counted (`radgate_payment_callbacks_total{provider, outcome}`): the stored ones, and these. */
export type HookOutcome = PaymentCallbackOutcome | 'bad_signature' | 'stale_timestamp' | 'too_large' | 'replayed' | 'unknown_provider';

export interface PaymentIntakeDeps {
  readonly config: () => Config;
  readonly db: Db;
  readonly billing: BillingAccounts;
  readonly log: Logger;
  /** Signed references (reminder page `{reference}`); without, only plain account numbers are accepted. */
  readonly references?: PaymentReferences | undefined;
  /** Every callback's outcome, for the metric. */
  readonly onOutcome?: (provider: string, outcome: HookOutcome) => void;
  /** "Now" for the timestamp check. Default: billing's clock (the database's in the server). */
  readonly now?: () => Date | Promise<Date>;
}

export interface HookRequest {
  readonly provider: string;
  /** Header lookup by lower-case name. */
  readonly header: (name: string) => string | undefined;
  readonly body: Uint8Array;
}

const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): HookAnswer =>
  ({ status, body: { ...extra, error: { code, message } } });

/** Outcomes a repeated event gets again as stored; the refusals are evaluated afresh (recordCallback replaces them). */
export const FINAL_OUTCOMES: ReadonlySet<PaymentCallbackOutcome> = new Set(['recorded', 'ignored']);

/** What an account number can be (src/subscribers/records.ts): anything else names no subscriber. */
const ACCOUNT_NUMBER = /^[^\s\x00-\x1f\x7f]{1,64}$/;

export function isPaymentProvider(name: string): name is PaymentProvider {
  return (PAYMENT_PROVIDERS as readonly string[]).includes(name);
}

export class PaymentIntake {
  private readonly problems: RateLimitedLog;

  constructor(private readonly deps: PaymentIntakeDeps) {
    this.problems = new RateLimitedLog(deps.log);
  }

  private count(provider: string, outcome: HookOutcome): void {
    this.deps.onOutcome?.(provider, outcome);
  }

  /** Answers a body that is too large (the web layer stopped reading it). */
  tooLarge(provider: string): HookAnswer {
    this.count(provider, 'too_large');
    return error(413, 'too_large', `the body must be at most ${MAX_BODY_BYTES} bytes`);
  }

  async handle(request: HookRequest): Promise<HookAnswer> {
    const { provider } = request;
    if (!isPaymentProvider(provider)) {
      this.count('unknown', 'unknown_provider');
      return error(404, 'unknown_provider', `no payment provider of that name (known: ${PAYMENT_PROVIDERS.join(', ')})`);
    }
    if (request.body.byteLength > MAX_BODY_BYTES) return this.tooLarge(provider);

    // 1. Which workspace signed it: the first whose key matches one of the v1 values.
    const header = parseSignatureHeader(request.header(SIGNATURE_HEADERS[provider]));
    const workspace = header === undefined ? undefined : this.deps.config().workspaces.find((w) => {
      const hook = w.paymentHooks[provider];
      return hook !== undefined && hook.keys.some((k) => signatureMatches(k.secret, header, request.body));
    });
    if (header === undefined || workspace === undefined) {
      this.count(provider, 'bad_signature');
      const reason = header === undefined ? 'missing or malformed signature header' : 'the signature matches no key';
      this.problems.warn(`payment-hook|${provider}|signature`, undefined, 'payment callback refused: bad signature', { provider, reason });
      return error(401, 'bad_signature', `${reason} (${SIGNATURE_HEADERS[provider]})`);
    }
    const now = await (this.deps.now ?? (() => this.deps.billing.now()))();
    if (!timestampFresh(header, now, workspace.paymentHooks[provider]!.toleranceSeconds)) {
      this.count(provider, 'stale_timestamp');
      this.problems.warn(`payment-hook|${provider}|stale`, undefined, 'payment callback refused: timestamp outside the tolerance', {
        provider, workspace: workspace.id, skewSeconds: Math.round(now.getTime() / 1000 - header.timestamp),
      });
      return error(401, 'stale_timestamp', 'the signature timestamp is outside the tolerance (check the sender\'s clock)');
    }

    // 2. What it says.
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(request.body));
    } catch {
      return this.finish(provider, workspace, { eventId: undefined }, 'rejected', 400, 'the body is not UTF-8 JSON');
    }
    const event = EVENT_PARSERS[provider](json);
    if (event.eventId !== undefined) {
      const stored = await findCallback(this.deps.db, workspace.id, provider, event.eventId);
      // A refusal is looked at again when the gateway repeats it: the operator may have fixed the cause (created
      // the subscriber, priced the plan), and nothing was recorded that a second look could double.
      if (stored && FINAL_OUTCOMES.has(stored.outcome)) {
        this.count(provider, 'replayed');
        return { status: stored.httpStatus, body: stored.response };
      }
    }
    if (event.kind === 'invalid') return this.finish(provider, workspace, event, 'rejected', 400, event.detail);
    if (event.kind === 'ignored') return this.finish(provider, workspace, event, 'ignored', 200, event.detail);
    return this.pay(provider, workspace, event);
  }

  private async pay(provider: PaymentProvider, workspace: WorkspaceConfig, event: PaymentOrder): Promise<HookAnswer> {
    const facts = { eventId: event.eventId, eventType: event.eventType, account: event.account, currency: event.currency };
    const accountNumber = this.accountNumber(workspace, event.account);
    const subscriber = accountNumber === undefined ? undefined : await subscriberByAccount(this.deps.db, workspace.id, accountNumber);
    if (subscriber === undefined) {
      const shown = storedText(event.account, 80);
      return this.finish(provider, workspace, facts, 'unknown_account', 422, `no subscriber has account ${JSON.stringify(shown)} in workspace ${workspace.id}`);
    }
    const withSubscriber = { ...facts, subscriberId: subscriber.id };
    const amount = event.amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
      return this.finish(provider, workspace, withSubscriber, 'amount_invalid', 422, 'amount: must be a whole number of minor units (cents) above 0');
    }
    const withAmount = { ...withSubscriber, amount };
    const plan = this.deps.config().planByName.get(subscriber.plan);
    if (plan?.price === undefined || plan.currency === undefined) {
      return this.finish(provider, workspace, withAmount, 'rejected', 422, `the subscriber's plan has no price in plans.yaml: it takes no payments`);
    }
    if (event.currency.toUpperCase() !== plan.currency.toUpperCase()) {
      return this.finish(provider, workspace, withAmount, 'currency_mismatch', 422, `currency: the plan is paid in ${plan.currency}, not ${event.currency}`);
    }
    try {
      const paid = await this.deps.billing.pay({
        subscriberId: subscriber.id,
        amount,
        currency: plan.currency,
        method: provider,
        reference: `${provider}:${event.eventId}`,
        note: `${provider} ${event.eventType}`,
        receivedAt: event.paidAt,
        actor: `hook:${provider}`,
      });
      return this.finish(provider, workspace, { ...withAmount, paymentId: paid.payment.id }, 'recorded', 200, undefined, { payment_id: paid.payment.id });
    } catch (err) {
      // Refusals of billing itself (a reference taken by a different payment, a plan without price) are answers;
      // anything else (the database) is a 500 without a stored row, so the gateway retries.
      if (err instanceof RadgateError && (err.code === 'PAYMENT_CONFLICT' || err.code === 'PAYMENT_INVALID' || err.code === 'SUBSCRIBER_NOT_FOUND')) {
        const status = err.code === 'PAYMENT_CONFLICT' ? 409 : 422;
        return this.finish(provider, workspace, withAmount, 'rejected', status, err.message);
      }
      throw err;
    }
  }

  /** The account number an event's account names in `workspace`: plain, or through a signed reference. */
  private accountNumber(workspace: WorkspaceConfig, account: string): string | undefined {
    if (!PaymentReferences.looksLikeReference(account)) return ACCOUNT_NUMBER.test(account) && wellFormed(account) ? account : undefined;
    const subject = this.deps.references?.verify(account);
    return subject !== undefined && subject.workspaceId === workspace.id ? subject.account : undefined;
  }

  /** Stores the outcome (when the event has an id) and answers; a simultaneous delivery's row wins if it was first. */
  private async finish(
    provider: PaymentProvider,
    workspace: WorkspaceConfig,
    facts: { eventId: string | undefined; eventType?: string | undefined; account?: string; currency?: string; subscriberId?: number; amount?: number; paymentId?: number },
    outcome: PaymentCallbackOutcome,
    status: number,
    detail: string | undefined,
    extra: Record<string, unknown> = {},
  ): Promise<HookAnswer> {
    const body: Record<string, unknown> = { outcome, ...(facts.eventId === undefined ? {} : { event_id: facts.eventId }), ...extra };
    if (status >= 400) body['error'] = { code: outcome === 'rejected' ? 'invalid_event' : outcome, message: storedText(detail ?? outcome) };
    else if (detail !== undefined) body['detail'] = storedText(detail);
    if (facts.eventId === undefined) {
      this.count(provider, outcome);
      return { status, body };
    }
    const row: NewPaymentCallback = {
      workspaceId: workspace.id,
      provider,
      eventId: facts.eventId,
      eventType: facts.eventType ?? null,
      outcome,
      httpStatus: status,
      response: body,
      account: facts.account === undefined ? null : storedText(facts.account, 255),
      subscriberId: facts.subscriberId ?? null,
      paymentId: facts.paymentId ?? null,
      amount: facts.amount ?? null,
      currency: facts.currency ?? null,
      detail: detail === undefined ? null : storedText(detail),
    };
    const { row: stored, inserted } = await recordCallback(this.deps.db, row);
    this.count(provider, inserted ? outcome : 'replayed');
    if (inserted && outcome !== 'recorded' && outcome !== 'ignored') {
      this.deps.log.warn({ provider, workspace: workspace.id, outcome, callback: stored.id }, 'payment callback not recorded as a payment');
    }
    return { status: stored.httpStatus, body: stored.response };
  }
}
