/**
 * The CoA/Disconnect client the enforcement ladder uses, aware of RadSec (docs/radsec.md, CoA and Disconnect): a NAS
 * whose nas.yaml says `radsec.coa: connection` gets its requests over its own RadSec connection (the reverse path of
 * draft-ietf-radext-reverse-coa; no retransmission over TCP, RFC 6613); every other NAS over UDP as before.
 * A NAS with no open connection gets a `timeout` with no try, so the ladder goes on to its next step.
 */
import { Code } from './codes.js';
import { DEFAULT_RETRY, RadiusClient, decodeCoaReply, type CoaCode, type CoaPeer, type CoaResult, type RadiusClientOptions, type RetryPolicy } from './client.js';
import type { ReplyAttribute } from './encode.js';
import type { ConnectionReply } from './radsec-connection.js';

/** What this client needs of the RadSec listener (`RadsecServer.request`). */
export interface ConnectionSender {
  request(nas: string, code: CoaCode, attributes: readonly ReplyAttribute[], timeoutMs: number): Promise<ConnectionReply>;
}

export interface RadsecCoaClientOptions extends RadiusClientOptions {
  /** Whether CoA for this NAS (by nas.yaml name) goes over its RadSec connection; read at each request. */
  overConnection: (nas: string) => boolean;
  /** The RadSec listener, once it is started (undefined when RadSec is off). */
  radsec: () => ConnectionSender | undefined;
}

export class RadsecCoaClient extends RadiusClient {
  constructor(private readonly routing: RadsecCoaClientOptions) {
    super(routing);
  }

  override async send(peer: CoaPeer, code: CoaCode, attributes: readonly ReplyAttribute[], retry: RetryPolicy = DEFAULT_RETRY): Promise<CoaResult> {
    if (!this.routing.overConnection(peer.name)) return super.send(peer, code, attributes, retry);
    const started = Date.now();
    // One try: TCP retransmits, and a lost connection fails the request at once. As long as UDP's first tries.
    const timeoutMs = Math.min(retry.maxTotalMs, retry.initialTimeoutMs * retry.maxTries);
    const server = this.routing.radsec();
    const reply = server === undefined ? ({ kind: 'closed' } as const) : await server.request(peer.name, code, attributes, timeoutMs);
    const elapsedMs = Date.now() - started;
    if (reply.kind !== 'reply') {
      if (reply.kind === 'closed') this.routing.log?.warn({ nas: peer.name }, 'CoA/Disconnect over RadSec: the NAS has no open RadSec connection');
      return { kind: 'timeout', tries: reply.kind === 'closed' ? 0 : 1, elapsedMs, identifier: reply.kind === 'timeout' ? reply.identifier : -1, dropped: [] };
    }
    const { attributes: decoded, errorCause, replyMessage } = decodeCoaReply(reply.packet);
    const answered = {
      tries: 1,
      elapsedMs,
      identifier: reply.packet[1]!,
      dropped: [],
      attributes: decoded,
      messageAuthenticator: reply.messageAuthenticator,
    };
    if (reply.code === Code.CoaAck || reply.code === Code.DisconnectAck) return { kind: 'ack', code: reply.code, ...answered };
    return { kind: 'nak', code: reply.code, errorCause, replyMessage, ...answered };
  }
}
