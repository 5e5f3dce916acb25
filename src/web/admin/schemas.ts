/**
 * @module web/admin/schemas
 * The admin API's request and response shapes, in zod: the same schemas validate requests, check responses, and
 * generate the OpenAPI document. JSON is snake_case; money is integer minor units (cents) with its currency; times
 * are ISO 8601 UTC; a date (YYYY-MM-DD) typed by a client means "through that day" in the workspace's time zone.
 */

import * as z from 'zod';
import { LOCAL_SERVICES, SUBSCRIBER_AUTH_SOURCES, SUBSCRIBER_STATUSES } from '../../db/schema.js';
import { OVERRIDE_STATUSES } from '../../billing/state.js';

/** Named schemas: they appear once in `components.schemas` and are referenced from operations. */
export const components = z.registry<{ id: string }>();
const named = <T extends z.ZodType>(id: string, schema: T): T => {
  components.add(schema, { id });
  return schema;
};

const time = z.iso.datetime({ offset: true });
const nullableTime = time.nullable();
const id = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** A date (through that local day) or an exact time with offset. */
export const WhenInput = z.union([z.iso.date(), z.iso.datetime({ offset: true })])
  .describe('YYYY-MM-DD (through the end of that day in the workspace time zone) or an ISO 8601 time with offset');

export const Status = z.enum(SUBSCRIBER_STATUSES);

export const ErrorBody = named('Error', z.object({
  error: z.object({
    code: z.string().describe('stable error code, e.g. UNAUTHORIZED, INVALID_REQUEST, PAYMENT_CONFLICT'),
    message: z.string(),
    problems: z.array(z.object({ field: z.string(), message: z.string() })).optional()
      .describe('for INVALID_REQUEST: one entry per invalid field, e.g. body.amount'),
  }),
}));

export const Override = named('Override', z.object({
  status: Status,
  until: nullableTime,
  reason: z.string().nullable(),
}));

export const Subscriber = named('Subscriber', z.object({
  id: z.number().int(),
  workspace: z.string(),
  username: z.string(),
  account: z.string(),
  plan: z.string(),
  status: Status,
  status_reason: z.string().nullable(),
  status_since: nullableTime,
  static_ip: z.string().nullable(),
  credential: z.enum(['password', 'nt-hash']),
  paid_until: nullableTime.describe('end of the paid service (exclusive); null = not billed'),
  paid_through: z.string().nullable().describe('last paid day (YYYY-MM-DD, workspace time zone)'),
  balance: z.number().int().describe('credit toward the next cycle, minor units of currency'),
  currency: z.string().nullable(),
  promise_until: nullableTime,
  override: Override.nullable(),
  contact_name: z.string().nullable().describe('who reminders are addressed to (docs/notifications.md)'),
  email: z.string().nullable().describe('where reminder e-mail goes; null = none'),
  phone: z.string().nullable(),
  notify_opt_out: z.boolean().describe('true: no reminder e-mail or webhook for this subscriber'),
  auth: z.enum(SUBSCRIBER_AUTH_SOURCES).describe('radius: the router asks radgate; local: the router checks its own entry (docs/mixed-fleet.md)'),
  local_nas: z.string().nullable().describe('auth local: the NAS (nas.yaml name) whose router holds the entry'),
  local_name: z.string().nullable().describe("auth local: the entry's name on the router; null = the username"),
  local_service: z.enum(LOCAL_SERVICES).nullable().describe('auth local: ppp (/ppp secret) or hotspot (/ip hotspot user)'),
  created_at: time,
  updated_at: time,
}));

export const StatusReport = named('Status', z.object({
  subscriber_id: z.number().int(),
  username: z.string(),
  status: Status,
  reason: z.string(),
  managed: z.boolean().describe('false: disabled, or not billed (no paid_until): no automatic change'),
  since: nullableTime,
  next: z.object({ status: Status, at: time, reason: z.string() }).nullable(),
  paid_until: nullableTime,
  paid_through: z.string().nullable(),
  balance: z.number().int(),
  currency: z.string().nullable(),
  promise_until: nullableTime,
  override: Override.nullable(),
  timezone: z.string(),
  now: time,
  open_sessions: z.number().int(),
}));

export const Payment = named('Payment', z.object({
  id: z.number().int(),
  subscriber_id: z.number().int(),
  workspace: z.string(),
  amount: z.number().int().describe('minor units (cents)'),
  currency: z.string(),
  method: z.string(),
  reference: z.string().nullable(),
  note: z.string().nullable(),
  state: z.enum(['recorded', 'voided']),
  cycles: z.number().int(),
  paid_until_before: nullableTime,
  paid_until_after: nullableTime,
  balance_after: z.number().int(),
  actor: z.string(),
  received_at: time,
  voided_at: nullableTime,
  voided_by: z.string().nullable(),
  void_reason: z.string().nullable(),
}));

export const Event = named('Event', z.object({
  id: z.number().int(),
  kind: z.string(),
  from_status: Status.nullable(),
  to_status: Status.nullable(),
  reason: z.string().nullable(),
  actor: z.string(),
  at: time,
  effective_at: nullableTime,
  payment_id: z.number().int().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
}));

export const Session = named('Session', z.object({
  id: z.number().int(),
  workspace: z.string(),
  nas: z.string(),
  nas_address: z.string(),
  acct_session_id: z.string(),
  username: z.string(),
  subscriber_id: z.number().int().nullable(),
  framed_ip_address: z.string().nullable(),
  framed_ipv6_prefix: z.string().nullable(),
  delegated_ipv6_prefix: z.string().nullable(),
  framed_interface_id: z.string().nullable(),
  calling_station_id: z.string().nullable(),
  nas_port_id: z.string().nullable(),
  started_at: time,
  last_seen: time,
  stopped_at: nullableTime,
  terminate_cause: z.string().nullable(),
  acct_input_octets: z.string().describe('bytes from the subscriber, decimal (may exceed 2^53)'),
  acct_output_octets: z.string().describe('bytes to the subscriber, decimal'),
}));

export const TransitionOut = named('Transition', z.object({
  subscriber_id: z.number().int(),
  workspace: z.string(),
  username: z.string(),
  from: Status,
  to: Status,
  reason: z.string(),
  effective_at: time,
}));

const page = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const SubscriberPage = named('SubscriberPage', page(Subscriber));
export const PaymentPage = named('PaymentPage', page(Payment));
export const EventPage = named('EventPage', page(Event));
export const SessionList = named('SessionList', z.object({ items: z.array(Session) }));

export const PaymentOutcome = named('PaymentOutcome', z.object({
  payment: Payment,
  duplicate: z.boolean().describe('true: this reference was already recorded; nothing changed'),
  transition: TransitionOut.nullable(),
  status: StatusReport,
}));

export const VoidOutcome = named('VoidOutcome', z.object({
  payment: Payment,
  already_voided: z.boolean(),
  transition: TransitionOut.nullable(),
  status: StatusReport,
}));

/** The credential methods `explain` asks about, as NAS configurations name them. */
export const EXPLAIN_METHODS = ['pap', 'chap', 'mschapv2'] as const;
const CredentialMethod = z.enum(['pap', 'chap', 'mschapv1', 'mschapv2']);

export const ExplainedAttribute = named('ExplainedAttribute', z.object({
  name: z.string().describe('RADIUS attribute name (standard, Mikrotik-* or MS-*)'),
  value: z.union([z.string(), z.number()]).nullable()
    .describe('the value sent; for varies=random the fixed prefix followed by <random>; null for varies=request'),
  varies: z.enum(['no', 'random', 'request'])
    .describe('no: sent exactly so; random: fixed_prefix then random_hex_digits random hex digits, fresh in every reply (Class); request: computed from the request (MS-CHAP2-Success, MPPE keys)'),
  fixed_prefix: z.string().nullable(),
  random_hex_digits: z.number().int().nullable(),
}));

export const Explanation = named('Explanation', z.object({
  now: time,
  timezone: z.string().describe("the workspace's time zone"),
  subscriber: z.object({
    id: z.number().int(),
    username: z.string(),
    workspace: z.string(),
    plan: z.string(),
    static_ip: z.string().nullable(),
  }),
  nas: z.object({
    name: z.string(),
    workspace: z.string(),
    workspace_match: z.boolean().describe("false: the NAS serves another workspace, where the server looks the username up instead"),
  }),
  method: z.enum(EXPLAIN_METHODS),
  credential: z.object({
    stored: z.enum(['password', 'nt-hash']),
    usable: z.boolean().describe('whether the stored credential can verify this method (the password itself is not checked)'),
    reason: z.string().nullable(),
    usable_methods: z.array(CredentialMethod),
  }).nullable().describe('null: the subscriber was not found from this NAS, so no credential is checked'),
  code: z.enum(['Access-Accept', 'Access-Reject']),
  reason: z.string().nullable().describe('why an Access-Reject, as the server logs it'),
  profile: z.enum(['plan', 'expired', 'refuse']).nullable().describe("what the subscriber's status calls for"),
  attributes: z.array(ExplainedAttribute).describe('the reply attributes in the order they are sent'),
  reject_delay_seconds: z.number().nullable(),
  sessions: z.object({ open: z.number().int(), limit: z.number().int() }).nullable()
    .describe("simultaneous use: open sessions against the plan's max_sessions; null when not checked"),
  billing: z.object({
    status: Status.describe('the stored status: what a login reads'),
    status_reason: z.string().nullable(),
    since: nullableTime,
    evaluated_status: Status.describe('what the billing rules give now'),
    evaluated_reason: z.string(),
    pending: z.boolean().describe('true: the evaluator moves the stored status to evaluated_status at its next run'),
    evaluation_interval_seconds: z.number(),
    managed: z.boolean(),
    promise_until: nullableTime,
    promise_active: z.boolean(),
    override: Override.nullable().describe('a status pinned by an operator'),
    next: z.object({ status: Status, at: time, reason: z.string() }).nullable().describe('the next automatic change'),
  }),
  notes: z.array(z.string()).describe('anything else that decides the answer'),
}));

export const Evaluation = named('Evaluation', z.object({
  at: time,
  dry_run: z.boolean(),
  checked: z.number().int(),
  transitions: z.array(TransitionOut),
}));

// ---- requests ----------------------------------------------------------------------------------------------

export const IdParams = z.object({ id });

export const Paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size, 1-500'),
  offset: z.coerce.number().int().min(0).default(0).describe('items to skip'),
};

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const SubscriberQuery = z.object({
  workspace: z.string().min(1).optional(),
  status: Status.optional(),
  plan: z.string().min(1).optional(),
  username: z.string().min(1).optional().describe('exact username'),
  q: z.string().min(1).max(100).optional().describe('part of the username or account number'),
  ...Paging,
});

const username = z.string().min(1).max(253).regex(/^[^\s\x00-\x1f\x7f]+$/, 'no spaces or control characters');
const password = z.string().min(1).max(128);
const ntHash = z.string().regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal digits');

export const SubscriberCreate = z.strictObject({
  workspace: z.string().min(1).optional().describe('required when several workspaces are configured'),
  username,
  account: z.string().min(1).max(64),
  plan: z.string().min(1),
  password: password.optional(),
  nt_hash: ntHash.optional(),
  static_ip: z.ipv4().optional(),
  paid_until: WhenInput.optional().describe('start billing: the paid service ends then'),
  contact_name: z.string().max(400).nullable().optional().describe('at most 100 characters; null or "" clears'),
  email: z.string().max(400).nullable().optional().describe('an e-mail address (at most 254 characters); null or "" clears'),
  phone: z.string().max(400).nullable().optional().describe('digits, spaces and + - . ( ), at most 32; null or "" clears'),
  notify_opt_out: z.boolean().optional().describe('true: no reminders'),
  auth: z.enum(SUBSCRIBER_AUTH_SOURCES).optional().describe('local: the router checks its own /ppp secret or /ip hotspot user entry; radgate switches it over the API'),
  local_nas: z.string().min(1).max(64).nullable().optional().describe('required with auth local: the NAS (nas.yaml name) of the router holding the entry'),
  local_name: z.string().min(1).max(253).nullable().optional().describe("the entry's name on the router when it differs from the username; null = the username"),
  local_service: z.enum(LOCAL_SERVICES).nullable().optional().describe('ppp (default) or hotspot'),
});

export const SubscriberUpdate = z.strictObject({
  plan: z.string().min(1).optional(),
  password: password.optional(),
  nt_hash: ntHash.optional(),
  static_ip: z.ipv4().nullable().optional(),
  paid_until: WhenInput.nullable().optional().describe('null stops billing'),
  reason: z.string().min(1).max(500).optional().describe('recorded with a paid_until change'),
  contact_name: z.string().max(400).nullable().optional().describe('at most 100 characters; null or "" clears'),
  email: z.string().max(400).nullable().optional().describe('an e-mail address (at most 254 characters); null or "" clears'),
  phone: z.string().max(400).nullable().optional().describe('digits, spaces and + - . ( ), at most 32; null or "" clears'),
  notify_opt_out: z.boolean().optional().describe('true: no reminders'),
  auth: z.enum(SUBSCRIBER_AUTH_SOURCES).optional().describe('local: the router checks its own /ppp secret or /ip hotspot user entry; radgate switches it over the API; fields not given stay while the subscriber stays local; a change queues an enforcement job'),
  local_nas: z.string().min(1).max(64).nullable().optional().describe('required with auth local: the NAS (nas.yaml name) of the router holding the entry'),
  local_name: z.string().min(1).max(253).nullable().optional().describe("the entry's name on the router when it differs from the username; null = the username"),
  local_service: z.enum(LOCAL_SERVICES).nullable().optional().describe('ppp (default) or hotspot'),
});

export const StatusChange = z.strictObject({
  status: z.enum([...OVERRIDE_STATUSES, 'auto']).describe('auto clears an operator status: the thresholds decide again'),
  reason: z.string().min(1).max(500).optional().describe('required unless status is auto'),
  until: WhenInput.optional().describe('the operator status ends then; default: until cleared'),
});

export const PromiseInput = z.strictObject({
  until: WhenInput,
  reason: z.string().min(1).max(500).optional(),
});

export const ReasonInput = z.strictObject({ reason: z.string().min(1).max(500) });

export const HistoryQuery = z.object({ ...Paging });

export const ExplainQuery = z.object({
  nas: z.string().min(1).optional().describe("the NAS (nas.yaml name) the Access-Request would come from; default: the only NAS of the subscriber's workspace"),
  method: z.enum(EXPLAIN_METHODS).default('pap').describe('the credential method the NAS would use'),
});

export const SessionQuery = z.object({
  workspace: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  nas: z.string().min(1).optional(),
  ip: z.ipv4().optional(),
  all: flag.optional().describe('true: closed sessions too'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const SubscriberSessionQuery = z.object({ all: flag.optional().describe('true: closed sessions too') });

export const PaymentCreate = z.strictObject({
  subscriber_id: z.number().int().min(1),
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('minor units (cents): 2500 = 25.00 USD'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, e.g. USD').optional().describe("default: the plan's"),
  method: z.string().min(1).max(64).optional(),
  reference: z.string().min(1).max(200).optional().describe('external reference; the same one twice is one payment'),
  note: z.string().max(1000).optional(),
  received_at: z.iso.datetime({ offset: true }).optional(),
});

export const PaymentQuery = z.object({
  subscriber_id: z.coerce.number().int().min(1).optional(),
  workspace: z.string().min(1).optional(),
  include_voided: flag.optional().describe('default true'),
  ...Paging,
});

export const EvaluateInput = z.strictObject({ dry_run: z.boolean().default(false) });
