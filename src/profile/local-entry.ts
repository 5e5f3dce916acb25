/**
 * What a router-local subscriber's entry (`/ppp secret`, `/ip hotspot user`) must look like for its status: the
 * local counterpart of the reply profile (docs/mixed-fleet.md). The one table both enforcement (switching the entry)
 * and reconciliation (finding drift) read:
 *
 * | status                       | entry                                                         |
 * |------------------------------|---------------------------------------------------------------|
 * | active, due_soon, grace      | enabled, profile = the plan's router profile on this NAS      |
 * | expired                      | enabled, profile = the workspace's expired profile group      |
 * | suspended, disabled, deleted | disabled (`disabled=yes`); the profile is left as it is       |
 *
 * A plan that is not configured refuses, as it does at a RADIUS login.
 */
import { routerProfileFor, type PlanConfig, type WorkspaceConfig } from '../config/index.js';
import type { SubscriberStatus } from '../db/schema.js';
import { profileKind } from './reply-profile.js';

export interface LocalEntryState {
  readonly disabled: boolean;
  /** The profile to set; undefined = leave it (a disabled entry keeps what it had). */
  readonly profile: string | undefined;
  /** For outcomes and reports: `plan home-10 (profile home)`, `expired profile (unpaid)`, `disabled (suspended)`. */
  readonly label: string;
}

export interface LocalEntryInput {
  status: SubscriberStatus;
  deleted: boolean;
  plan: PlanConfig | undefined;
  planName: string;
  workspace: WorkspaceConfig;
  nasName: string;
}

export function desiredLocalEntry(input: LocalEntryInput): LocalEntryState {
  if (input.deleted) return { disabled: true, profile: undefined, label: 'disabled (deleted)' };
  switch (profileKind(input.status)) {
    case 'refuse':
      return { disabled: true, profile: undefined, label: `disabled (${input.status})` };
    case 'expired': {
      const group = input.workspace.expiredProfile.group;
      return { disabled: false, profile: group, label: `expired profile (${group})` };
    }
    case 'plan': {
      if (!input.plan) return { disabled: true, profile: undefined, label: `disabled (plan "${input.planName}" is not configured)` };
      const profile = routerProfileFor(input.plan, input.nasName);
      return { disabled: false, profile, label: `plan ${input.plan.name} (profile ${profile})` };
    }
  }
}
