/**
 * @module payments/events
 * What each provider's event body means for radgate, as one shape (`PaymentEvent`). The body is parsed only after
 * its signature verified. Text from the wire follows one rule (docs/payments.md, Bounds): the event id must be
 * 1–255 visible ASCII characters (it is a key), the account at most 255 characters; text stored for
 * operators (account, type, detail) has control characters and unpaired UTF-16 halves escaped as `\uXXXX`.
 */
import type { PaymentProvider } from '../config/index.js';

export const MAX_EVENT_ID = 255;
export const MAX_ACCOUNT = 255;
const MAX_TYPE = 100;
/** Controls, the line separators, and UTF-16 halves without their pair (not storable as UTF-8). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when `value` has no half of a UTF-16 pair on its own (it then converts to UTF-8 as it is). */
export function wellFormed(value: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value);
}

/** Escapes control characters and cuts to `max` characters: text from a gateway as operators read it. */
export function storedText(value: string, max = 500): string {
  const escaped = value.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}

/** An event radgate acts on: a payment of `amount` minor units to `account`. */
export interface PaymentOrder {
  readonly kind: 'payment';
  readonly eventId: string;
  readonly eventType: string;
  readonly account: string;
  /** As sent: checked (a whole number above 0) by the intake, which records `amount_invalid` otherwise. */
  readonly amount: unknown;
  readonly currency: string;
  readonly paidAt: Date | undefined;
}

/** An event acknowledged and recorded as `ignored` (another type, an unpaid checkout). */
export interface IgnoredEvent {
  readonly kind: 'ignored';
  readonly eventId: string;
  readonly eventType: string;
  readonly detail: string;
}

/** A body that verified but does not say what it must: 400 (`rejected`, stored when it names an event id). */
export interface InvalidEvent {
  readonly kind: 'invalid';
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  readonly detail: string;
}

export type PaymentEvent = PaymentOrder | IgnoredEvent | InvalidEvent;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Visible ASCII, no spaces: event ids are keys, quoted in answers and logs. */
const EVENT_ID = new RegExp(`^[\\x21-\\x7e]{1,${MAX_EVENT_ID}}$`);

const eventIdOf = (value: unknown): string | undefined =>
  typeof value === 'string' && EVENT_ID.test(value) ? value : undefined;

const typeOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length <= MAX_TYPE ? storedText(value, MAX_TYPE) : undefined;

function accountText(value: unknown): string | { problem: string } {
  if (typeof value !== 'string' || value.trim() === '') return { problem: 'account: required (text)' };
  if (value.length > MAX_ACCOUNT) return { problem: `account: at most ${MAX_ACCOUNT} characters, got ${value.length}` };
  return value.trim();
}

/** The generic contract (docs/payments.md): `{ event_id, account, amount, currency, paid_at, type? }`. */
export function genericEvent(body: unknown): PaymentEvent {
  if (!isRecord(body)) return { kind: 'invalid', eventId: undefined, eventType: undefined, detail: 'the body must be a JSON object' };
  const eventId = eventIdOf(body['event_id']);
  const invalid = (detail: string): InvalidEvent => ({ kind: 'invalid', eventId, eventType: typeOf(body['type']), detail });
  if (eventId === undefined) return invalid(`event_id: required, 1-${MAX_EVENT_ID} visible ASCII characters (no spaces)`);
  const type = body['type'] ?? 'payment.succeeded';
  if (typeof type !== 'string') return invalid('type: must be text');
  if (type !== 'payment.succeeded') return { kind: 'ignored', eventId, eventType: typeOf(type) ?? '', detail: `event type ${storedText(type, MAX_TYPE)} is not acted on` };
  const account = accountText(body['account']);
  if (typeof account !== 'string') return invalid(account.problem);
  const currency = body['currency'];
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) return invalid('currency: required, an ISO 4217 code such as "USD"');
  const paidAtText = body['paid_at'];
  const paidAt = typeof paidAtText === 'string' && paidAtText.length <= 40 && /^\d{4}-\d{2}-\d{2}T/.test(paidAtText) ? new Date(paidAtText) : undefined;
  if (paidAt === undefined || Number.isNaN(paidAt.getTime())) return invalid('paid_at: required, an ISO-8601 date and time such as "2025-03-10T12:00:00Z"');
  return { kind: 'payment', eventId, eventType: type, account, amount: body['amount'], currency: currency.toUpperCase(), paidAt };
}

/** Stripe event types radgate records as payments (others are acknowledged and ignored). */
export const STRIPE_PAYMENT_EVENTS = ['checkout.session.completed', 'checkout.session.async_payment_succeeded', 'payment_intent.succeeded'] as const;

/**
 * A Stripe event (docs.stripe.com/api/events/object): `id`, `type`, `created`, `data.object`. A Checkout Session
 * gives `amount_total`, `currency` and the account in `client_reference_id` or `metadata.account`; a completed
 * session not yet paid (`payment_status` other than `paid`, a delayed method) is ignored, its
 * `checkout.session.async_payment_succeeded` pays. A PaymentIntent gives `amount_received`, `currency`,
 * `metadata.account`. Stripe's currency codes are lower-case.
 */
export function stripeEvent(body: unknown): PaymentEvent {
  if (!isRecord(body)) return { kind: 'invalid', eventId: undefined, eventType: undefined, detail: 'the body must be a JSON object' };
  const eventId = eventIdOf(body['id']);
  const eventType = typeOf(body['type']);
  const invalid = (detail: string): InvalidEvent => ({ kind: 'invalid', eventId, eventType, detail });
  if (eventId === undefined) return invalid('id: required (the event id, evt_…)');
  if (eventType === undefined) return invalid('type: required');
  if (!(STRIPE_PAYMENT_EVENTS as readonly string[]).includes(eventType)) {
    return { kind: 'ignored', eventId, eventType, detail: `event type ${eventType} is not acted on` };
  }
  const data = isRecord(body['data']) ? body['data'] : undefined;
  const object = data !== undefined && isRecord(data['object']) ? data['object'] : undefined;
  if (object === undefined) return invalid('data.object: required');
  const metadata = isRecord(object['metadata']) ? object['metadata'] : {};
  let rawAccount: unknown;
  let amount: unknown;
  if (eventType === 'payment_intent.succeeded') {
    rawAccount = metadata['account'];
    amount = object['amount_received'];
  } else {
    const status = object['payment_status'];
    if (status !== undefined && status !== 'paid') {
      return { kind: 'ignored', eventId, eventType, detail: `checkout session payment_status is ${storedText(String(status), 40)}, not paid` };
    }
    rawAccount = typeof object['client_reference_id'] === 'string' ? object['client_reference_id'] : metadata['account'];
    amount = object['amount_total'];
  }
  const account = accountText(rawAccount);
  if (typeof account !== 'string') {
    const where = eventType === 'payment_intent.succeeded' ? 'metadata.account' : 'client_reference_id or metadata.account';
    return invalid(`${where}: ${account.problem.replace(/^account: /, '')}`);
  }
  const currency = object['currency'];
  if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) return invalid('currency: required, an ISO 4217 code');
  const created = body['created'];
  const paidAt = typeof created === 'number' && Number.isSafeInteger(created) && created > 0 ? new Date(created * 1000) : undefined;
  return { kind: 'payment', eventId, eventType, account, amount, currency: currency.toUpperCase(), paidAt };
}

/** The parser of each provider's body. */
export const EVENT_PARSERS: Readonly<Record<PaymentProvider, (body: unknown) => PaymentEvent>> = {
  generic: genericEvent,
  stripe: stripeEvent,
};
