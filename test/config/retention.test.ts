/** server.yaml `server.retention`: defaults, every key, `off`, and the exact problems of bad values. */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { copyExample, eachReportsExactly, edit, emptyDir, removeTempDirs, write, type BrokenCase } from './helpers.js';

afterAll(removeTempDirs);

const DAY = 86_400;

/** The example with its `retention:` block replaced by `lines` (each indented under it). */
const retention = (lines: string[]) => async (dir: string) => {
  await edit(dir, 'server.yaml', '    sessions: 365d\n', '');
  await edit(dir, 'server.yaml', '    enforcement_jobs: 90d\n', '');
  await edit(dir, 'server.yaml', '    subscriber_events: 730d\n', '');
  await edit(dir, 'server.yaml', '    notifications: 90d\n', '');
  await edit(dir, 'server.yaml', '    payment_callbacks: 730d\n', '');
  await edit(dir, 'server.yaml', '    interval: 1h', lines.map((l) => `    ${l}`).join('\n'));
};

describe('server.retention', () => {
  it('defaults when absent: a year of sessions, 90 days of jobs and notifications, two years of events and payment callbacks, pruned hourly', async () => {
    const dir = await emptyDir();
    await write(dir, 'server.yaml', 'server:\n');
    await write(dir, 'nas.yaml', 'nas: []\n');
    await write(dir, 'workspaces.yaml', 'workspaces:\n  - id: w\n    name: W\n    reminder_host: pay.w.example\n    expired_profile:\n      group: expired\n');
    await write(dir, 'plans.yaml', 'plans:\n  - name: p\n    rate_limit: 1M\n');
    expect((await loadConfig(dir, {})).server.retention).toEqual({
      sessionsSeconds: 365 * DAY, enforcementJobsSeconds: 90 * DAY, subscriberEventsSeconds: 730 * DAY,
      notificationsSeconds: 90 * DAY, paymentCallbacksSeconds: 730 * DAY, intervalSeconds: 3600,
    });
  });

  it('reads every key; off (or 0) keeps forever, interval off leaves pruning to `radgate prune`', async () => {
    const dir = await copyExample();
    await retention([
      'sessions: 730d', 'enforcement_jobs: off', 'subscriber_events: 0', 'notifications: 14d', 'payment_callbacks: off', 'interval: off',
    ])(dir);
    expect((await loadConfig(dir, {})).server.retention).toEqual({
      sessionsSeconds: 730 * DAY, enforcementJobsSeconds: undefined, subscriberEventsSeconds: undefined,
      notificationsSeconds: 14 * DAY, paymentCallbacksSeconds: undefined, intervalSeconds: undefined,
    });
    const other = await copyExample();
    await retention(['sessions: 36h', 'enforcement_jobs: 86400', 'notifications: off', 'payment_callbacks: 3650d', 'interval: 5m'])(other);
    expect((await loadConfig(other, {})).server.retention).toEqual({
      sessionsSeconds: 36 * 3600, enforcementJobsSeconds: DAY, subscriberEventsSeconds: 730 * DAY,
      notificationsSeconds: undefined, paymentCallbacksSeconds: 3650 * DAY, intervalSeconds: 300,
    });
  });
});

const BROKEN: BrokenCase[] = [
  {
    // A bare number is seconds: 30 would keep thirty seconds of history.
    name: 'a keep time below one day',
    change: retention(['sessions: 30']),
    problems: ['server.yaml: server.retention.sessions: must be at least 1d (or off to keep forever), got 30s'],
  },
  {
    name: 'a keep time that is not a duration',
    change: retention(['subscriber_events: forever']),
    problems: [
      'server.yaml: server.retention.subscriber_events: invalid duration "forever": use seconds (e.g. 90) or a number with a unit: 500ms, 30s, 5m, 24h, 30d; or off to keep forever',
    ],
  },
  {
    name: 'an interval out of range',
    change: retention(['interval: 30s']),
    problems: ['server.yaml: server.retention.interval: must be from 1m to 1d, or off, got 30s'],
  },
  {
    name: 'the new tables\' keep times follow the same rules',
    change: retention(['notifications: 12h', 'payment_callbacks: soon']),
    problems: [
      'server.yaml: server.retention.notifications: must be at least 1d (or off to keep forever), got 43200s',
      'server.yaml: server.retention.payment_callbacks: invalid duration "soon": use seconds (e.g. 90) or a number with a unit: 500ms, 30s, 5m, 24h, 30d; or off to keep forever',
    ],
  },
  {
    name: 'a misspelt key, payments (never pruned, so no key), and a bad value: every problem at once',
    change: retention(['session: 30d', 'payments: 1d', 'enforcement_jobs: -1']),
    problems: [
      'server.yaml: server.retention.enforcement_jobs: invalid duration -1: must not be negative; or off to keep forever',
      'server.yaml: server.retention.session: unknown key (did you mean "sessions"?)',
      'server.yaml: server.retention.payments: unknown key (known keys: sessions, enforcement_jobs, subscriber_events, notifications, payment_callbacks, interval)',
    ],
  },
];

describe('broken server.retention: each reports exactly its problems', () => {
  eachReportsExactly(BROKEN);
});
