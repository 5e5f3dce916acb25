/**
 * Router migrations (src/imports/router-secrets.ts): one row per local router entry (`/ppp secret`, `/ip hotspot
 * user`) that `radgate import router-secrets NAS --as radius` is moving to RADIUS, so the move can be done one
 * subscriber at a time, resumed after a restart and undone. RouterOS checks a local entry before RADIUS, so the
 * entry must be disabled for the router to ask radgate; the row says where each subscriber is on that way:
 *
 *   imported ──(--apply: entry disabled, comment radgate:migrating)──▶ switched ──(RADIUS login seen)──▶ confirmed
 *      ──(--finish: entry removed)──▶ finished;   switched ──(--rollback)──▶ rolled_back (entry enabled again)
 */
import { bigint, bigserial, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { LocalService } from '../schema.js';

export const ROUTER_MIGRATION_STATES = ['imported', 'switched', 'confirmed', 'finished', 'rolled_back'] as const;
export type RouterMigrationState = (typeof ROUTER_MIGRATION_STATES)[number];

export const routerMigrations = pgTable(
  'router_migrations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workspaceId: text('workspace_id').notNull(),
    subscriberId: bigint('subscriber_id', { mode: 'number' }).notNull(),
    /** nas.yaml name of the router the entry is on. */
    nasName: text('nas_name').notNull(),
    service: text('service').$type<LocalService>().notNull(),
    /** The entry's `name` on the router. */
    entryName: text('entry_name').notNull(),
    state: text('state').$type<RouterMigrationState>().notNull().default('imported'),
    /** Why the row is in its state (operator-facing, bounded). */
    detail: text('detail'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** When the entry was disabled: a RADIUS login after this confirms the move. */
    switchedAt: timestamp('switched_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('router_migrations_entry').on(t.nasName, t.service, t.entryName),
    index('router_migrations_subscriber').on(t.subscriberId),
  ],
);

export type RouterMigrationRow = typeof routerMigrations.$inferSelect;
