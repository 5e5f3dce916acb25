/** `radgate subscriber add|list|show|set-password|set-plan|set-status|set-ip|set-contact|set-auth|delete|import`. */
import { parseArgs } from 'node:util';
import { SUBSCRIBER_STATUSES, type LocalService, type SubscriberAuthSource, type SubscriberRow, type SubscriberStatus } from '../db/schema.js';
import { RadgateError } from '../errors.js';
import { BillingAccounts, databaseClock } from '../billing/accounts.js';
import { importSubscribers } from '../subscribers/import.js';
import { cliActor } from './billing-commands.js';
import { summarise } from '../subscribers/records.js';
import type { CliContext } from './context.js';
import { keyValues, table } from './format.js';
import { need } from './args.js';
import { Progress } from './progress.js';

export const SUBSCRIBER_USAGE = `radgate subscriber <command>
  add USER --plan P --account A (--password PW | --nt-hash H) [--static-ip IP] [--status S] [--workspace W]
      [--name NAME] [--email ADDRESS] [--phone NUMBER] [--opt-out]
      [--auth local --local-nas NAS [--local-name N] [--local-service ppp|hotspot]]
                                             --auth local: the router NAS checks its own /ppp secret (or /ip hotspot
                                             user) entry; radgate switches it over the API (docs/mixed-fleet.md)
  list [--status S] [--plan P] [--limit N] [--offset N] [--json] [--workspace W]
  show USER [--json]
  set-password USER (--password PW | --nt-hash H)
  set-plan USER PLAN
  set-status USER STATUS [--reason TEXT]     STATUS: ${SUBSCRIBER_STATUSES.join(', ')}, or auto (thresholds decide)
  set-ip USER (IP | none)
  set-contact USER [--name NAME] [--email ADDRESS] [--phone NUMBER] [--opt-out | --opt-in]
                                             who reminders go to (docs/notifications.md); "" or none clears a field
  set-auth USER (radius | local) [--local-nas NAS] [--local-name N] [--local-service ppp|hotspot]
                                             where the login is checked; options not given stay while the subscriber
                                             stays local, --local-name "" means the username; queues an enforcement job
  delete USER
  import FILE.csv [--skip-bad] [--quiet]     columns: username,password|nt_hash,plan,account[,workspace,static_ip,status,
                                               contact_name,email,phone,notify_opt_out,auth,local_nas,local_name,
                                               local_service]
                                             progress on a terminal (count, rate, ETA); --quiet or a script: summary only`;

const OPTIONS = {
  plan: { type: 'string' },
  account: { type: 'string' },
  password: { type: 'string' },
  'nt-hash': { type: 'string' },
  'static-ip': { type: 'string' },
  status: { type: 'string' },
  workspace: { type: 'string' },
  reason: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  json: { type: 'boolean' },
  'skip-bad': { type: 'boolean' },
  quiet: { type: 'boolean' },
  name: { type: 'string' },
  email: { type: 'string' },
  phone: { type: 'string' },
  'opt-out': { type: 'boolean' },
  'opt-in': { type: 'boolean' },
  auth: { type: 'string' },
  'local-nas': { type: 'string' },
  'local-name': { type: 'string' },
  'local-service': { type: 'string' },
} as const;

/** `none` or "" clears a contact field; not given leaves it. */
const contactText = (value: string | undefined): string | null | undefined =>
  value === undefined ? undefined : value.trim() === '' || value.trim() === 'none' ? null : value;

function contactOptions(values: { name?: string | undefined; email?: string | undefined; phone?: string | undefined; 'opt-out'?: boolean | undefined; 'opt-in'?: boolean | undefined }) {
  if (values['opt-out'] && values['opt-in']) throw new RadgateError('USAGE', '--opt-out and --opt-in exclude each other');
  return {
    contactName: contactText(values.name),
    email: contactText(values.email),
    phone: contactText(values.phone),
    notifyOptOut: values['opt-out'] ? true : values['opt-in'] ? false : undefined,
  };
}

/** The local-auth options as given (validated by SubscriberRecords); `--local-name ""` clears the name. */
function localAuthOptions(values: { 'local-nas'?: string | undefined; 'local-name'?: string | undefined; 'local-service'?: string | undefined }) {
  return {
    localNas: values['local-nas'],
    localName: values['local-name'] === '' ? null : values['local-name'],
    localService: values['local-service'] as LocalService | undefined,
  };
}

/** `local: /ppp/secret alice on core-1`, `radius`. */
function authText(row: Pick<SubscriberRow, 'auth' | 'username' | 'localNas' | 'localName' | 'localService'>): string {
  if (row.auth !== 'local') return 'radius';
  const menu = row.localService === 'hotspot' ? '/ip/hotspot/user' : '/ppp/secret';
  return `local: ${menu} ${row.localName ?? row.username} on ${row.localNas}`;
}

function status(value: string): SubscriberStatus {
  if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(value)) {
    throw new RadgateError('USAGE', `unknown status "${value}" (one of ${SUBSCRIBER_STATUSES.join(', ')})`);
  }
  return value as SubscriberStatus;
}

export async function subscriberCommand(ctx: CliContext, argv: string[]): Promise<string> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  const config = await ctx.loadConfig();
  const service = await ctx.subscribers();
  const workspace = () => ctx.workspace(config, values.workspace);
  const user = () => need(positionals[0], 'USER', SUBSCRIBER_USAGE);
  // Status, plan and deletion go through billing: each writes an event and an enforcement request.
  const billing = async () => {
    const database = await ctx.db();
    return new BillingAccounts({ database, config: () => config, clock: databaseClock(database), log: ctx.log });
  };
  switch (command) {
    case 'add': {
      const row = await service.add({
        workspaceId: workspace(),
        username: user(),
        plan: need(values.plan, '--plan', SUBSCRIBER_USAGE),
        accountNumber: need(values.account, '--account', SUBSCRIBER_USAGE),
        password: values.password,
        ntHash: values['nt-hash'],
        staticIp: values['static-ip'],
        status: values.status === undefined ? undefined : status(values.status),
        ...contactOptions(values),
        auth: values.auth as SubscriberAuthSource | undefined,
        ...localAuthOptions(values),
      });
      const auth = row.auth === 'local' ? `, ${authText(row)}` : '';
      return `added ${row.username} (id ${row.id}, workspace ${row.workspaceId}, plan ${row.plan}, ${row.status}${auth})`;
    }
    case 'list': {
      const rows = await service.list({
        workspaceId: values.workspace,
        status: values.status === undefined ? undefined : status(values.status),
        plan: values.plan,
        limit: values.limit ? Number(values.limit) : 1000,
        offset: values.offset ? Number(values.offset) : 0,
      });
      if (values.json) return JSON.stringify(rows.map(summarise), null, 2);
      return table(
        ['WORKSPACE', 'USERNAME', 'ACCOUNT', 'PLAN', 'STATUS', 'STATIC IP'],
        rows.map((r) => [r.workspaceId, r.username, r.accountNumber, r.plan, r.status, r.staticIp]),
      );
    }
    case 'show': {
      const row = summarise(await service.get(workspace(), user()));
      if (values.json) return JSON.stringify(row, null, 2);
      return keyValues([
        ['id', row.id],
        ['workspace', row.workspaceId],
        ['username', row.username],
        ['account', row.accountNumber],
        ['plan', row.plan + (config.planByName.has(row.plan) ? '' : '  (NOT IN plans.yaml: logins are refused)')],
        ['status', row.status],
        ['status reason', row.statusReason],
        ['static ip', row.staticIp],
        ['contact name', row.contactName],
        ['email', row.email],
        ['phone', row.phone],
        ['reminders', row.notifyOptOut ? 'opted out (no e-mail or webhook)' : 'yes'],
        ['credential', row.credential === 'password' ? 'password (encrypted; PAP, CHAP, MS-CHAP)' : 'NT hash (PAP, MS-CHAP; CHAP refused)'],
        ['auth', authText(row)],
        ['created', row.createdAt],
        ['updated', row.updatedAt],
      ]);
    }
    case 'set-password': {
      const secret = values.password !== undefined ? { password: values.password } : { ntHash: need(values['nt-hash'], '--password or --nt-hash', SUBSCRIBER_USAGE) };
      await service.setPassword(workspace(), user(), secret);
      return `password of ${user()} changed`;
    }
    case 'set-plan': {
      const row = await service.get(workspace(), user());
      const plan = need(positionals[1], 'PLAN', SUBSCRIBER_USAGE);
      await (await billing()).changePlan(row.id, plan, cliActor());
      return `${row.username} is now on plan ${plan} (live sessions are updated by enforcement)`;
    }
    case 'set-status': {
      const row = await service.get(workspace(), user());
      const wanted = need(positionals[1], 'STATUS', SUBSCRIBER_USAGE);
      const b = await billing();
      const reason = values.reason ?? 'set by an operator';
      if (wanted === 'auto') {
        if (row.status === 'disabled') await b.enable(row.id, cliActor());
        await b.clearOverride(row.id, cliActor());
      } else if (status(wanted) === 'disabled') {
        await b.disable(row.id, reason, cliActor());
      } else {
        if (row.status === 'disabled') await b.enable(row.id, cliActor());
        await b.override(row.id, status(wanted), reason, null, cliActor());
      }
      const after = await service.get(row.workspaceId, row.username);
      return `${after.username} is now ${after.status}`;
    }
    case 'set-ip': {
      const ip = need(positionals[1], 'IP (or none)', SUBSCRIBER_USAGE);
      const row = await service.setStaticIp(workspace(), user(), ip === 'none' ? null : ip);
      return `${row.username} static IP: ${row.staticIp ?? 'none (pool)'}`;
    }
    case 'set-contact': {
      const contact = contactOptions(values);
      if (Object.values(contact).every((v) => v === undefined)) {
        throw new RadgateError('USAGE', `set-contact needs --name, --email, --phone, --opt-out or --opt-in\n${SUBSCRIBER_USAGE}`);
      }
      const row = await service.setContact(workspace(), user(), contact);
      return `contact of ${row.username}: ${[row.contactName ?? '-', row.email ?? '-', row.phone ?? '-'].join(', ')}${row.notifyOptOut ? ' (opted out of reminders)' : ''}`;
    }
    case 'set-auth': {
      const auth = need(positionals[1], 'radius or local', SUBSCRIBER_USAGE);
      if (auth !== 'radius' && auth !== 'local') throw new RadgateError('USAGE', `set-auth: "${auth}" is not radius or local\n${SUBSCRIBER_USAGE}`);
      const row = await service.setLocalAuth(workspace(), user(), { auth, ...localAuthOptions(values) }, 'radgate subscriber set-auth (command line)');
      return `${row.username} auth: ${authText(row)} (enforcement job queued: it brings ${row.auth === 'local' ? 'the router entry' : 'the live sessions'} in line)`;
    }
    case 'delete': {
      const row = await service.get(workspace(), user());
      await (await billing()).delete(row.id, cliActor());
      return `deleted ${user()}`;
    }
    case 'import': {
      const file = need(positionals[0], 'FILE.csv', SUBSCRIBER_USAGE);
      const defaultWorkspace = values.workspace ?? (config.workspaceById.size === 1 ? [...config.workspaceById.keys()][0] : undefined);
      const progress = new Progress({ label: 'importing subscribers', verb: 'imported', noun: 'subscribers', one: 'subscriber', quiet: values.quiet === true });
      const { result: report, summary } = await progress.track(
        (onProgress) => importSubscribers(service, file, ctx.catalog(config), { defaultWorkspace, skipBad: values['skip-bad'] ?? false, onProgress }),
        (r) => r.imported,
      );
      const lines = [summary];
      if (report.problems.length > 0) lines.push(`skipped ${report.problems.length} problem(s):`, ...report.problems);
      return lines.join('\n');
    }
    default:
      throw new RadgateError('USAGE', SUBSCRIBER_USAGE);
  }
}
