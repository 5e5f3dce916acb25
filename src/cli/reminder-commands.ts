/** `radgate reminder-link USER`: the subscriber's signed reminder link, for the ISP's e-mail / SMS sender. */
import { parseArgs } from 'node:util';
import { parseDuration } from '../config/index.js';
import { RadgateError } from '../errors.js';
import { LinkKeyRing, reminderLink } from '../web/reminder/index.js';
import type { CliContext } from './context.js';

export const REMINDER_LINK_USAGE = `radgate reminder-link USER [--workspace W] [--lifetime DURATION] [--json]
  Prints https://<reminder_host>/r/<signed link> for USER. The link is valid for the workspace's
  reminder.link_lifetime (default 7d) or --lifetime (5m to 366d), and dies early if the subscriber is deleted,
  moves to another workspace or gets another account number. --json adds its expiry and key id.`;

const MIN_LIFETIME = 300;
const MAX_LIFETIME = 366 * 86400;

export async function reminderLinkCommand(ctx: CliContext, argv: string[]): Promise<string> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string' }, lifetime: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  const username = positionals[0];
  if (username === undefined || positionals.length > 1) throw new RadgateError('USAGE', REMINDER_LINK_USAGE);
  let lifetimeSeconds: number | undefined;
  if (values.lifetime !== undefined) {
    const parsed = parseDuration(values.lifetime);
    if ('error' in parsed) throw new RadgateError('USAGE', `--lifetime: ${parsed.error}`);
    if (parsed.seconds < MIN_LIFETIME || parsed.seconds > MAX_LIFETIME) throw new RadgateError('USAGE', '--lifetime must be from 5m to 366d');
    lifetimeSeconds = parsed.seconds;
  }
  const config = await ctx.loadConfig();
  const workspaceId = ctx.workspace(config, values.workspace);
  const workspace = config.workspaceById.get(workspaceId)!;
  const subscriber = await (await ctx.subscribers()).get(workspaceId, username);
  const keys = LinkKeyRing.open({ keys: config.server.linkKeys, dataDir: ctx.env.dataDir, create: true, log: ctx.log });
  const link = await reminderLink(keys, workspace, subscriber, lifetimeSeconds === undefined ? {} : { lifetimeSeconds });
  if (values.json) {
    return JSON.stringify({ url: link.url, expiresAt: link.expiresAt.toISOString(), keyId: link.keyId, username, workspace: workspaceId }, null, 2);
  }
  return link.url;
}
