/**
 * @module imports/plan-map
 * `--plan-map FILE` of both imports: which radgate plan the subscribers of a router profile (`import
 * router-secrets`, docs/migrating-router-secrets.md) or of a FreeRADIUS group (`import freeradius`,
 * docs/migrating-freeradius.md) get. One mapping a line, `#` at the start or after a space starts a comment, blank
 * lines are ignored:
 *
 * ```
 * # router profile (or group) = plans.yaml plan
 * home      = home-10
 * 10M Fibre = business-50      # a name may contain spaces; the last "=" separates it from the plan
 * ```
 *
 * Every bad line is reported at once (IMPORT_INVALID), by line number.
 */
import { RadgateError } from '../errors.js';

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
const MAX_NAME = 64;

/** What the left side names, in messages: `profile` (router import) or `group` (FreeRADIUS import). */
export type PlanMapKey = 'profile' | 'group';

/** Parses the plan map's text; `hasPlan` answers for plans.yaml names. `where` names the file in messages. */
export function parsePlanMap(text: string, hasPlan: (name: string) => boolean, where: string, key: PlanMapKey = 'profile'): Map<string, string> {
  const map = new Map<string, string>();
  const firstLine = new Map<string, number>();
  const problems: string[] = [];
  const side = key === 'profile' ? 'the router profile' : 'the group';
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const n = index + 1;
    const problem = (why: string) => problems.push(`${where}: line ${n}: ${why}`);
    if (CONTROL.test(raw)) return problem('contains control characters');
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const eq = line.lastIndexOf('=');
    if (eq < 0) return problem(`expected "${key} = plan"`);
    const name = line.slice(0, eq).trim();
    const plan = line.slice(eq + 1).trim();
    if (name === '') return problem(`${side} is empty`);
    if (plan === '') return problem(`no plan for ${key} ${name}`);
    if (name.length > MAX_NAME) return problem(`${side} is longer than ${MAX_NAME} characters`);
    if (!hasPlan(plan)) return problem(`plan ${plan} is not in plans.yaml`);
    const earlier = firstLine.get(name);
    if (earlier !== undefined) return problem(`${key} ${name} is mapped already on line ${earlier}`);
    firstLine.set(name, n);
    map.set(name, plan);
  });
  if (problems.length > 0) throw new RadgateError('IMPORT_INVALID', problems.join('\n'));
  return map;
}
