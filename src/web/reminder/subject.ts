/**
 * Binding a verified link to the subscriber record: the link names a subscriber id, a workspace and an account
 * number, and is honoured only while all three still describe one live subscriber. A subscriber deleted, moved to
 * another workspace or given another account number makes old links dead (410), even before they expire.
 */
import type { Db } from '../../db/client.js';
import type { SubscriberRow } from '../../db/schema.js';
import { subscriberById } from '../../subscribers/table.js';
import type { LinkClaims } from './tokens.js';

export type SubjectCheck =
  | { readonly ok: true; readonly subscriber: SubscriberRow }
  | { readonly ok: false; readonly status: 410; readonly reason: string };

export async function checkSubject(db: Db, claims: LinkClaims): Promise<SubjectCheck> {
  // Soft-deleted ones included, so the log can say "deleted" rather than "not found".
  const row = await subscriberById(db, claims.subscriberId, { includeDeleted: true });
  if (row === undefined) return { ok: false, status: 410, reason: 'subscriber does not exist' };
  if (row.deletedAt !== null) return { ok: false, status: 410, reason: 'subscriber was deleted' };
  if (row.workspaceId !== claims.workspaceId) return { ok: false, status: 410, reason: 'subscriber belongs to another workspace' };
  if (row.accountNumber !== claims.accountNumber) return { ok: false, status: 410, reason: 'account number changed' };
  return { ok: true, subscriber: row };
}
