/**
 * @module imports/freeradius-users
 * Each FreeRADIUS user (radcheck, radreply, radusergroup, daloRADIUS userinfo) turned into the subscriber radgate
 * would create, or the reason it cannot be (docs/migrating-freeradius.md has the table). A pure function of the
 * rows read, the plans and the options: the import, its dry run and its re-run decide the same way.
 *
 * - Credentials (check items with `:=`, `=`, `==` or `+=`; any other operator is a comparison and names no
 *   password): `Cleartext-Password` or the old `User-Password` → password; `NT-Password` (32 hex digits, `0x`
 *   allowed) → NT hash; `Password-With-Header` with `{clear}`/`{cleartext}` (or no header, as rlm_pap reads it) →
 *   password, with `{nt}`/`{nthash}`/`{x-nthash}` → NT hash. A cleartext password wins over an NT hash. Any other
 *   `*-Password` (MD5, SMD5, SHA, SSHA, SHA2, Crypt, NS-MTA-MD5, PBKDF2, LM …) is a one-way hash: radgate needs
 *   the cleartext (PAP, CHAP) or the NT hash (MS-CHAP), so that user is skipped, naming the hash.
 * - Status: `Auth-Type := Reject` (the user's or one of his groups') → disabled; `Expiration` in the past →
 *   expired, in the future → active; either way paid_until = that instant (the subscriber is billed from then on).
 * - Plan: the user's groups by radusergroup priority (lowest number first), "Reject" groups left out; the first
 *   one's plan. No group: `--default-plan`, else skipped.
 * - Per-user replies: `Framed-IP-Address` → static IP; any other is named as not imported (radgate has no
 *   per-subscriber reply attributes).
 * - Usernames that differ only in case are all skipped: FreeRADIUS on MySQL (daloRADIUS's usual home) treats them
 *   as one user, radgate would hold two.
 */
import { isIPv4 } from 'node:net';
import type { NewSubscriber } from '../subscribers/records.js';
import { validateContact } from '../subscribers/contact.js';
import { parseExpiration } from './freeradius-expiration.js';
import { CHECK_SET_OPS, type GroupReading } from './freeradius-groups.js';
import type { AttributeRow, FreeradiusData, UserInfoRow } from './freeradius-read.js';
import { quote, textProblem } from './freeradius-text.js';

export interface UserOptions {
  readonly workspaceId: string;
  /** Zone the Expiration dates without an offset are read in. */
  readonly timeZone: string;
  readonly now: Date;
  /** Group name → plan name (already checked against plans.yaml). */
  readonly planOf: (group: string) => string | undefined;
  readonly groups: ReadonlyMap<string, GroupReading>;
  readonly defaultPlan: string | undefined;
}

export type UserDecision =
  | { readonly source: string; readonly subscriber: NewSubscriber; readonly how: string }
  | { readonly source: string; readonly skipped: string };

const CLEARTEXT = new Set(['Cleartext-Password', 'User-Password']);
const NT_HEADERS = new Set(['{nt}', '{nthash}', '{x-nthash}']);
const CLEAR_HEADERS = new Set(['{clear}', '{cleartext}']);

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

const ntHashOf = (value: string): string | undefined => {
  const hex = value.trim().replace(/^0x/i, '');
  return /^[0-9a-fA-F]{32}$/.test(hex) ? hex.toLowerCase() : undefined;
};

interface Credentials {
  passwords: Set<string>;
  ntHashes: Set<string>;
  hashes: Set<string>;
  problems: string[];
}

/** Sorts one credential check item into the credentials found so far. */
function readCredential(row: AttributeRow, found: Credentials): boolean {
  const name = row.attribute;
  const isPassword = CLEARTEXT.has(name) || name === 'NT-Password' || name === 'Password-With-Header' || /-Password$/.test(name);
  if (!isPassword) return false;
  if (!CHECK_SET_OPS.has(row.op)) {
    found.problems.push(`${name} ${row.op} is a comparison, not a stored password`);
    return true;
  }
  let attribute = name;
  let value = row.value;
  if (name === 'Password-With-Header') {
    const header = /^\{[^}]*\}/.exec(value)?.[0];
    const lower = header?.toLowerCase();
    if (header === undefined || CLEAR_HEADERS.has(lower!)) {
      attribute = 'Cleartext-Password';
      value = header === undefined ? value : value.slice(header.length);
    } else if (NT_HEADERS.has(lower!)) {
      attribute = 'NT-Password';
      value = value.slice(header.length);
    } else {
      found.hashes.add(`Password-With-Header ${header}`);
      return true;
    }
  }
  if (CLEARTEXT.has(attribute)) {
    const problem = textProblem(value);
    if (problem !== undefined) found.problems.push(`${attribute}: the password ${problem}`);
    else if (value.length === 0) found.problems.push(`${attribute} is empty`);
    else if (Buffer.byteLength(value, 'utf8') > 128) found.problems.push(`${attribute}: longer than 128 bytes (RADIUS carries at most 128, RFC 2865 §5.2)`);
    else found.passwords.add(value);
  } else if (attribute === 'NT-Password') {
    const hash = ntHashOf(value);
    if (hash === undefined) found.problems.push('NT-Password is not 32 hexadecimal digits');
    else found.ntHashes.add(hash);
  } else {
    found.hashes.add(attribute);
  }
  return true;
}

function contactOf(info: UserInfoRow | undefined, notes: string[]): Pick<NewSubscriber, 'contactName' | 'email' | 'phone'> {
  if (!info) return {};
  const clean = (v: string | null | undefined) => (v ?? '').trim();
  const fields: Pick<NewSubscriber, 'contactName' | 'email' | 'phone'> = {
    contactName: [clean(info.firstname), clean(info.lastname)].filter((v) => v !== '').join(' ') || undefined,
    email: clean(info.email) || undefined,
    phone: clean(info.mobilephone) || clean(info.homephone) || clean(info.workphone) || undefined,
  };
  const out: Pick<NewSubscriber, 'contactName' | 'email' | 'phone'> = {};
  for (const key of ['contactName', 'email', 'phone'] as const) {
    const value = fields[key];
    if (value === undefined || value === null) continue;
    const problem = textProblem(value) ?? validateContact({ [key]: value })[0];
    if (problem === undefined) out[key] = value;
    else notes.push(`userinfo ${key === 'contactName' ? 'name' : key} not imported (${problem.replace(/^[a-z_]+: /, '')})`);
  }
  return out;
}

/** Every user of the source, decided. Lines come in username order. */
export function decideUsers(data: FreeradiusData, options: UserOptions): UserDecision[] {
  const checks = groupBy(data.radcheck, (r) => r.owner);
  const replies = groupBy(data.radreply, (r) => r.owner);
  const memberships = groupBy(data.radusergroup, (r) => r.username);
  const infos = new Map((data.userinfo ?? []).map((u) => [u.username, u] as const));
  const usernames = [...new Set([...checks.keys(), ...replies.keys(), ...memberships.keys()])].sort();
  const byFolded = groupBy(usernames, (u) => u.toLowerCase());

  return usernames.map((username): UserDecision => {
    const skip = (reason: string): UserDecision => ({ source: username, skipped: reason });
    const nameProblem = textProblem(username);
    if (nameProblem !== undefined) return skip(`username ${nameProblem}`);
    if (username.length === 0 || username.length > 253 || /\s/.test(username)) return skip('username: 1–253 characters, no spaces');
    const variants = byFolded.get(username.toLowerCase())!;
    if (variants.length > 1) {
      const others = variants.filter((v) => v !== username).map(quote).join(', ');
      return skip(`username differs only in case from ${others}: FreeRADIUS on MySQL treats them as one user — rename or remove one in FreeRADIUS and re-run`);
    }

    const notImported: string[] = [];
    const notes: string[] = [];
    const found: Credentials = { passwords: new Set(), ntHashes: new Set(), hashes: new Set(), problems: [] };
    let rejected = false;
    const expirations = new Set<string>();
    for (const row of checks.get(username) ?? []) {
      if (readCredential(row, found)) continue;
      if (row.attribute === 'Auth-Type' && CHECK_SET_OPS.has(row.op) && row.value.trim().toLowerCase() === 'reject') rejected = true;
      else if (row.attribute === 'Expiration' && CHECK_SET_OPS.has(row.op)) expirations.add(row.value.trim());
      else notImported.push(`${row.attribute} ${row.op} (check item)`);
    }
    if (found.problems.length > 0) return skip(found.problems.join('; '));
    if (found.passwords.size > 1) return skip(`${found.passwords.size} different Cleartext-Password rows: which one is the password is ambiguous`);
    if (found.passwords.size === 0 && found.ntHashes.size > 1) return skip(`${found.ntHashes.size} different NT-Password rows: ambiguous`);
    const password = [...found.passwords][0];
    const ntHash = password === undefined ? [...found.ntHashes][0] : undefined;
    if (password === undefined && ntHash === undefined) {
      if (found.hashes.size > 0) {
        return skip(
          `password stored as ${[...found.hashes].join(', ')}: a one-way hash radgate cannot use (it needs the cleartext for PAP and CHAP, or the NT hash for MS-CHAP) — set a new password with radgate subscriber add`,
        );
      }
      return skip('no password: no Cleartext-Password or NT-Password in radcheck');
    }

    // Plan from the groups, lowest priority number first; "Reject" groups disable instead.
    const groups = (memberships.get(username) ?? []).map((m) => m.groupname);
    const planGroups: string[] = [];
    for (const g of groups) {
      if (options.groups.get(g)?.rejects) rejected = true;
      else if (!planGroups.includes(g)) planGroups.push(g);
    }
    let plan: string | undefined;
    let how: string;
    const group = planGroups[0];
    if (group === undefined) {
      if (options.defaultPlan === undefined) return skip('in no group (radusergroup) and no --default-plan given');
      plan = options.defaultPlan;
      how = `plan ${plan} (--default-plan: in no group)`;
    } else {
      const groupProblem = textProblem(group);
      if (groupProblem !== undefined) return skip(`group name ${groupProblem}`);
      plan = options.planOf(group);
      if (plan === undefined) {
        const reading = options.groups.get(group);
        const why = reading && reading.blocking.length > 0 ? ` and its replies cannot make one (${reading.blocking.join('; ')})` : ' (the notes show the plans.yaml entry to add, or map it with --plan-map)';
        return skip(`group ${quote(group)} has no plan in plans.yaml${why}`);
      }
      how = `plan ${plan} from group ${quote(group)}`;
      if (planGroups.length > 1) notes.push(`also in ${planGroups.slice(1).map(quote).join(', ')} (lower priority, ignored)`);
    }

    let staticIp: string | undefined;
    for (const row of replies.get(username) ?? []) {
      if (row.attribute === 'Framed-IP-Address' && (row.op === '=' || row.op === ':=' || row.op === '+=')) {
        const ip = row.value.trim();
        if (!isIPv4(ip)) return skip(`Framed-IP-Address ${quote(ip)} is not an IPv4 address`);
        if (staticIp !== undefined && staticIp !== ip) return skip(`two different Framed-IP-Address rows (${staticIp}, ${ip})`);
        staticIp = ip;
      } else notImported.push(`${row.attribute} (reply item: radgate has no per-subscriber reply attributes)`);
    }

    let status: NewSubscriber['status'] = rejected ? 'disabled' : 'active';
    let paidUntil: Date | undefined;
    if (expirations.size > 1) return skip(`${expirations.size} different Expiration rows: ambiguous`);
    const expiration = [...expirations][0];
    if (expiration !== undefined) {
      const parsed = parseExpiration(expiration, options.timeZone);
      if ('error' in parsed) return skip(parsed.error);
      paidUntil = parsed.at;
      if (!rejected && paidUntil.getTime() <= options.now.getTime()) status = 'expired';
      how += `, paid until ${paidUntil.toISOString()}`;
    }
    if (rejected) how += ', disabled (Auth-Type := Reject)';
    else if (status === 'expired') how += ', expired';

    const contact = contactOf(infos.get(username), notes);
    if (notImported.length > 0) notes.push(`not imported: ${notImported.join(', ')}`);
    const subscriber: NewSubscriber = {
      workspaceId: options.workspaceId,
      username,
      accountNumber: username,
      plan,
      password,
      ntHash,
      staticIp,
      status,
      paidUntil,
      ...contact,
    };
    return { source: username, subscriber, how: [how, ...notes].join('; ') };
  });
}
