/**
 * Accounting-Request (RFC 2866 §4.1). The server has already verified the Request Authenticator (§3), applied the
 * duplicate cache and will echo Proxy-State. This handler turns the packet into a session record (its text
 * normalised by one rule, docs/radius-protocol.md §16), waits until it is COMMITTED (group commit,
 * src/sessions/writer.ts) and only then answers; if it cannot be recorded it returns undefined — no
 * Accounting-Response — so the NAS retries (RFC 2866 §2, docs/radius-protocol.md §11). A packet without the status
 * or session it must carry, or with a status type no RFC defines, is dropped and counted (§17).
 */
import { DEFAULTS, type Config, type NasConfig } from '../config/index.js';
import { normaliseAddress } from '../radius/clients.js';
import { attributeText, type TextForm } from '../radius/attribute-text.js';
import { interfaceIdText, ipv6PrefixText, type Ipv6Text } from '../radius/ipv6-attributes.js';
import { Attr, Code } from '../radius/codes.js';
import { rawAttribute, stringAttribute, type RadiusRequest } from '../radius/packet.js';
import type { Handler, HandlerOutcome } from '../radius/server.js';
import type { SessionStatus } from '../sessions/store.js';
import type { AccountingRecord } from '../sessions/writer.js';
import type { SubscriberDirectory } from '../subscribers/directory.js';

export interface AccountingRequestDeps {
  config: () => Config;
  directory: Pick<SubscriberDirectory, 'find'>;
  /** Resolves true once the record is durable (committed). */
  record: (record: AccountingRecord) => Promise<boolean>;
  /** Told the name of every text attribute of a recorded session that had to be normalised (metrics). */
  onTextNormalised?: (attribute: string) => void;
  clock?: () => number;
}

/**
 * Acct-Status-Type values defined but of no use to radgate, by their dictionary names: RFC 2867 §4.1 tunnel
 * accounting (9–14) and Failed (15, RFC 2866 §5.1). They are acknowledged, so the NAS stops retrying, and not kept.
 */
const UNUSED_STATUS_TYPES: ReadonlySet<string> = new Set([
  'Tunnel-Start',
  'Tunnel-Stop',
  'Tunnel-Reject',
  'Tunnel-Link-Start',
  'Tunnel-Link-Stop',
  'Tunnel-Link-Reject',
  'Failed',
]);

/** Acct-Delay-Time beyond a week is a broken NAS clock, not a delay. */
const MAX_DELAY_SECONDS = 7 * 24 * 3600;

/** A single integer attribute (the first, if repeated). */
function numberAttribute(request: RadiusRequest, name: string): number | undefined {
  const value = request.attributes[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'number' && Number.isFinite(first) ? first : undefined;
}

/** RFC 2869 §5.1–5.2: total = Acct-*-Gigawords × 2^32 + Acct-*-Octets. */
export function octetTotal(octets: number | undefined, gigawords: number | undefined): bigint {
  return (BigInt(gigawords ?? 0) << 32n) + BigInt(octets ?? 0);
}

/** Class values as stored: an identifier (docs/radius-protocol.md §16: printable text, else `0x` + hex); '' when absent. */
export function classText(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return '';
  return attributeText(Buffer.isBuffer(first) ? first : Buffer.from(String(first)), 'identifier').value;
}

/** The text attributes a session record stores, their type (RFC 2865 §5, RFC 2866 §5.5, RFC 2869 §5.17) and form. */
const STORED_TEXT = {
  'User-Name': [Attr.UserName, 'text'],
  'Acct-Session-Id': [44, 'identifier'],
  'NAS-Identifier': [32, 'text'],
  'Calling-Station-Id': [31, 'text'],
  'Called-Station-Id': [30, 'text'],
  'NAS-Port-Id': [87, 'text'],
  Class: [25, 'identifier'],
} as const satisfies Record<string, readonly [number, TextForm]>;

/**
 * The stored text attributes of a request, normalised by the one rule of src/radius/attribute-text.ts, and the
 * names of those that had to be (the first value of a repeated attribute, as for every other attribute).
 */
function storedText(request: RadiusRequest): { text: Partial<Record<keyof typeof STORED_TEXT, string>>; normalised: string[] } {
  const text: Partial<Record<keyof typeof STORED_TEXT, string>> = {};
  const normalised: string[] = [];
  for (const [name, [type, form]] of Object.entries(STORED_TEXT) as Array<[keyof typeof STORED_TEXT, readonly [number, TextForm]]>) {
    const raw = rawAttribute(request, type);
    if (raw === undefined) continue;
    const { value, normalised: changed } = attributeText(raw, form);
    text[name] = value;
    if (changed) normalised.push(name);
  }
  return { text, normalised };
}

/** The IPv6 attributes a session record stores (RFC 3162 §2.1, §2.3; RFC 4818), by type, and their decoder. */
const STORED_IPV6 = {
  'Framed-IPv6-Prefix': [97, ipv6PrefixText],
  'Delegated-IPv6-Prefix': [123, ipv6PrefixText],
  'Framed-Interface-Id': [96, interfaceIdText],
} as const satisfies Record<string, readonly [number, (raw: Buffer) => Ipv6Text]>;
/** Built once: the per-packet loop allocates nothing when no IPv6 attribute is present. */
const STORED_IPV6_ENTRIES = Object.entries(STORED_IPV6) as Array<[keyof typeof STORED_IPV6, readonly [number, (raw: Buffer) => Ipv6Text]]>;

/**
 * The stored IPv6 attributes of a request as canonical text (src/radius/ipv6-attributes.ts); a value that could not
 * be read is left out (the record is kept without it) and, like one that was masked, named in `normalised`.
 */
function storedIpv6(request: RadiusRequest, normalised: string[]): Partial<Record<keyof typeof STORED_IPV6, string>> {
  const out: Partial<Record<keyof typeof STORED_IPV6, string>> = {};
  for (const [name, [type, decode]] of STORED_IPV6_ENTRIES) {
    const raw = rawAttribute(request, type);
    if (raw === undefined) continue;
    const { value, normalised: changed } = decode(raw);
    if (value !== undefined) out[name] = value;
    if (changed) normalised.push(name);
  }
  return out;
}

/** The subscriber id in radgate's own Class tag `rg1:<subscriberId>:<nonce>` (see access-request.ts). */
export function classSubscriberId(text: string): number | undefined {
  const match = /^rg1:(\d{1,15}):[0-9a-f]+$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

function terminateCause(request: RadiusRequest): string | null {
  const value = request.attributes['Acct-Terminate-Cause'];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  if (typeof first === 'number') return `Cause-${first}`;
  return null;
}

export function accountingRequestHandler(deps: AccountingRequestDeps): Handler<NasConfig> {
  const clock = deps.clock ?? Date.now;
  return async (request, context): Promise<HandlerOutcome> => {
    const { client, source } = context;
    const nas = client.data;
    const status = request.attributes['Acct-Status-Type'];
    const { text, normalised } = storedText(request);
    const ipv6 = storedIpv6(request, normalised);
    const username = text['User-Name'] ?? '';
    const acctSessionId = text['Acct-Session-Id'];
    const log = { code: 'Accounting-Request', status, user: username, session: acctSessionId, ...(normalised.length > 0 ? { normalised } : {}) };
    const now = clock();
    // RFC 2866 §5.2: Acct-Delay-Time is how long the NAS has been trying to send this record.
    const delay = Math.min(Math.max(numberAttribute(request, 'Acct-Delay-Time') ?? 0, 0), MAX_DELAY_SECONDS);
    const eventAt = new Date(now - delay * 1000);
    const nasAddress = normaliseAddress(source.address);

    // RFC 2866 §5.13: exactly one Acct-Status-Type. The codec names every value RFC 2866 §5.1 and RFC 2867 §4.1
    // define; a bare number is a value none defines, an array two statuses at once: either way, not recordable.
    if (status === undefined) return { drop: 'missing-acct-status-type' };
    if (typeof status !== 'string') return { drop: 'unknown-acct-status-type' };
    let record: AccountingRecord;
    switch (status) {
      case 'Accounting-On':
      case 'Accounting-Off':
        // RFC 2866 §5.1: the NAS (re)started or stops accounting: none of its earlier sessions survive.
        record = { kind: 'nas-reset', reset: { nasName: nas.name, nasAddress, eventAt } };
        break;
      case 'Start':
      case 'Interim-Update':
      case 'Stop': {
        // RFC 2866 §5.5: Acct-Session-Id MUST be present; without it there is no session to record.
        if (!acctSessionId) return { drop: 'missing-acct-session-id' };
        const config = deps.config();
        const tag = text.Class ?? '';
        const fromClass = classSubscriberId(tag);
        const entry = username ? deps.directory.find(nas.workspace, username) : undefined;
        // The Class radgate issued names the subscriber even after a rename; the username is the fallback.
        const subscriberId = fromClass ?? entry?.id ?? null;
        const plan = entry && (fromClass === undefined || entry.id === fromClass) ? config.planByName.get(entry.plan) : undefined;
        const sessionTime = status === 'Start' ? 0 : Math.max(numberAttribute(request, 'Acct-Session-Time') ?? 0, 0);
        record = {
          kind: 'session',
          update: {
            status: status as SessionStatus,
            workspaceId: nas.workspace,
            nasName: nas.name,
            nasAddress,
            nasIpAddress: stringAttribute(request, 'NAS-IP-Address') ?? null,
            nasIdentifier: text['NAS-Identifier'] ?? null,
            acctSessionId,
            class: tag,
            username,
            subscriberId,
            framedIpAddress: stringAttribute(request, 'Framed-IP-Address') ?? null,
            framedIpv6Prefix: ipv6['Framed-IPv6-Prefix'] ?? null,
            delegatedIpv6Prefix: ipv6['Delegated-IPv6-Prefix'] ?? null,
            framedInterfaceId: ipv6['Framed-Interface-Id'] ?? null,
            callingStationId: text['Calling-Station-Id'] ?? null,
            calledStationId: text['Called-Station-Id'] ?? null,
            nasPortId: text['NAS-Port-Id'] ?? null,
            eventAt,
            startedAt: new Date(eventAt.getTime() - sessionTime * 1000),
            interimInterval: plan?.interimIntervalSeconds ?? DEFAULTS.plan.interimIntervalSeconds,
            sessionTime,
            inputOctets: octetTotal(numberAttribute(request, 'Acct-Input-Octets'), numberAttribute(request, 'Acct-Input-Gigawords')),
            outputOctets: octetTotal(numberAttribute(request, 'Acct-Output-Octets'), numberAttribute(request, 'Acct-Output-Gigawords')),
            inputPackets: numberAttribute(request, 'Acct-Input-Packets') ?? 0,
            outputPackets: numberAttribute(request, 'Acct-Output-Packets') ?? 0,
            terminateCause: status === 'Stop' ? terminateCause(request) : null,
          },
        };
        for (const name of normalised) deps.onTextNormalised?.(name);
        break;
      }
      default:
        if (!UNUSED_STATUS_TYPES.has(status)) return { drop: 'unknown-acct-status-type' }; // named, but by no accounting RFC
        return { code: Code.AccountingResponse, attributes: [], log: { ...log, outcome: 'ignored' } };
    }
    // Durability first: no reply unless committed.
    if (!(await deps.record(record))) return undefined;
    // Interim-Updates are routine (at 5-minute intervals they are most of all traffic); Start, Stop, On, Off are not.
    return { code: Code.AccountingResponse, attributes: [], log: { ...log, outcome: 'recorded' }, routine: status === 'Interim-Update' };
  };
}
