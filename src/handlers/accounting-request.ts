/**
 * Accounting-Request (RFC 2866 §4.1). The server has already verified the Request Authenticator (§3), applied the
 * duplicate cache and will echo Proxy-State. This handler turns the packet into a session record, waits until it
 * is COMMITTED (group commit, src/sessions/writer.ts) and only then answers; if it cannot be recorded it returns
 * undefined — no Accounting-Response — so the NAS retries (RFC 2866 §2, docs/radius-protocol.md §11).
 */
import { DEFAULTS, type Config, type NasConfig } from '../config/index.js';
import { normaliseAddress } from '../radius/clients.js';
import { Code } from '../radius/codes.js';
import { stringAttribute, type RadiusRequest } from '../radius/packet.js';
import type { Handler, HandlerResult } from '../radius/server.js';
import type { SessionStatus } from '../sessions/store.js';
import type { AccountingRecord } from '../sessions/writer.js';
import type { SubscriberDirectory } from '../subscribers/directory.js';

export interface AccountingRequestDeps {
  config: () => Config;
  directory: Pick<SubscriberDirectory, 'find'>;
  /** Resolves true once the record is durable (committed). */
  record: (record: AccountingRecord) => Promise<boolean>;
  clock?: () => number;
}

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

/** Class values as stored: text when printable ASCII, otherwise `0x` + hex. */
export function classText(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return '';
  const bytes = Buffer.isBuffer(first) ? first : Buffer.from(String(first));
  return bytes.every((b) => b >= 0x20 && b <= 0x7e) ? bytes.toString('latin1') : `0x${bytes.toString('hex')}`;
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
  return async (request, context): Promise<HandlerResult | undefined> => {
    const { client, source } = context;
    const nas = client.data;
    const status = request.attributes['Acct-Status-Type'];
    const username = stringAttribute(request, 'User-Name') ?? '';
    const acctSessionId = stringAttribute(request, 'Acct-Session-Id');
    const log = { code: 'Accounting-Request', status, user: username, session: acctSessionId };
    const now = clock();
    // RFC 2866 §5.2: Acct-Delay-Time is how long the NAS has been trying to send this record.
    const delay = Math.min(Math.max(numberAttribute(request, 'Acct-Delay-Time') ?? 0, 0), MAX_DELAY_SECONDS);
    const eventAt = new Date(now - delay * 1000);
    const nasAddress = normaliseAddress(source.address);

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
        if (!acctSessionId) {
          context.log.warn(log, 'Accounting-Request without Acct-Session-Id dropped');
          return undefined;
        }
        const config = deps.config();
        const tag = classText(request.attributes['Class']);
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
            nasIdentifier: stringAttribute(request, 'NAS-Identifier') ?? null,
            acctSessionId,
            class: tag,
            username,
            subscriberId,
            framedIpAddress: stringAttribute(request, 'Framed-IP-Address') ?? null,
            callingStationId: stringAttribute(request, 'Calling-Station-Id') ?? null,
            calledStationId: stringAttribute(request, 'Called-Station-Id') ?? null,
            nasPortId: stringAttribute(request, 'NAS-Port-Id') ?? null,
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
        break;
      }
      default:
        // Other types (e.g. 15 Failed) carry nothing radgate keeps: acknowledge so the NAS stops retrying.
        return { code: Code.AccountingResponse, attributes: [], log: { ...log, outcome: 'ignored' } };
    }
    // Durability first: no reply unless committed.
    if (!(await deps.record(record))) return undefined;
    return { code: Code.AccountingResponse, attributes: [], log: { ...log, outcome: 'recorded' } };
  };
}
