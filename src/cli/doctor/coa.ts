/**
 * @module cli/doctor/coa
 * A harmless CoA round trip (RFC 5176): a CoA-Request that names a session no router has (identification only,
 * nothing to change). A CoA-NAK with Error-Cause 503 Session-Context-Not-Found proves what enforcement needs — the
 * router takes CoA on the configured port from radgate and shares the secret (the NAK's Response Authenticator
 * verified) — without touching any subscriber. `radgate coa-test` does the same for a chosen user and session.
 */
import type { Config, NasConfig } from '../../config/index.js';
import { identification } from '../../enforce/ladder.js';
import { isLoopback, isSingleAddress, parseCidr } from '../../ip.js';
import { describeErrorCause, RadiusClient } from '../../radius/client.js';
import { Code } from '../../radius/codes.js';
import { makeSecret } from '../../radius/encode.js';
import { fail, ok, warn, type CheckResult } from './result.js';

/** The probe's made-up session: matches nothing on a router. */
export const PROBE_USER = 'radgate-doctor';

export async function checkCoa(config: Config, nas: NasConfig, timeoutMs: number): Promise<CheckResult> {
  const name = `nas ${nas.name} coa`;
  const range = parseCidr(nas.address);
  if (isLoopback(range) && nas.router === undefined) return ok(name, `not probed: ${nas.address} is a loopback test client (radtest), not a router`);
  const address = isSingleAddress(range) ? nas.address.replace(/\/\d+$/, '') : nas.api?.host;
  if (address === undefined) return warn(name, `not probed: ${nas.address} is a range`, `radgate coa-test ${nas.name} --user USER --address IP`);
  const where = `${address}:${nas.coaPort}`;
  const bind = config.server.bind;
  const radius = new RadiusClient({ bind: /^\d+\.\d+\.\d+\.\d+$/.test(bind) && bind !== '0.0.0.0' ? bind : undefined });
  const session = { nasIpAddress: null, nasAddress: address, username: PROBE_USER, acctSessionId: `radgate-doctor-${process.pid}`, framedIpAddress: null };
  try {
    const retry = { initialTimeoutMs: timeoutMs, maxTries: 2, maxTimeoutMs: timeoutMs, maxTotalMs: timeoutMs * 2 };
    const result = await radius.send({ name: nas.name, address, port: nas.coaPort, secret: makeSecret(nas.secret) }, Code.CoaRequest, identification(session), retry);
    const apply = nas.api !== undefined && nas.router !== undefined ? `radgate router-apply ${nas.name}` : `on the router: /radius incoming set accept=yes port=${nas.coaPort}, and /radius with radgate's address and this NAS's secret`;
    if (result.kind === 'timeout') {
      if (result.dropped.some((d) => d.reason === 'bad-response-authenticator' || d.reason === 'bad-message-authenticator')) {
        return fail(name, `${where} answered a CoA-Request, but the reply fails verification: the router's secret for radgate differs from nas.yaml`, apply);
      }
      const why = `CoA is not accepted there, UDP ${nas.coaPort} is blocked, or the router's secret for radgate differs (a wrong secret is dropped silently)`;
      return fail(name, `${where}: no answer to a CoA-Request (${result.tries} tries): ${why}`, `${apply}; allow UDP ${nas.coaPort} from radgate in the router's firewall`);
    }
    if (result.kind === 'ack') return ok(name, `${where} answered CoA-ACK (path and secret verified)`);
    if (result.errorCause === 503) return ok(name, `${where} answered CoA-NAK 503 Session-Context-Not-Found for a made-up session (path and secret verified)`);
    const cause = result.errorCause === undefined ? 'no Error-Cause' : describeErrorCause(result.errorCause);
    return warn(name, `${where} answered CoA-NAK (${cause}) for a made-up session: path and secret verified, but the router refuses CoA of this form`, `radgate coa-test ${nas.name} --user USER`);
  } finally {
    await radius.close();
  }
}
