/**
 * @module routeros/apply
 * `router-apply` over the RouterOS API: read the managed tables and settings menus, plan (diff.ts), then run the
 * operations in order. A failure stops the run; the report says exactly which operations were applied, which one
 * failed and with what, and which were not attempted — running again picks up from the router's real state.
 */

import type { RouterOsApi } from './api.js';
import type { DesiredConfiguration } from './desired.js';
import { describeOperation, diffRouter, type Operation, type RouterDiff, type RouterRow, type RouterState, type RowRef } from './diff.js';

/** Reads what the plan needs: every managed table and every settings menu of the model. */
export async function readRouterState(api: RouterOsApi, model: DesiredConfiguration): Promise<RouterState> {
  const tables = new Map<string, RouterRow[]>();
  for (const managed of model.managedPaths) {
    tables.set(managed.path, await api.print(managed.path, managed.query === undefined ? {} : { query: managed.query }));
  }
  const settings = new Map<string, RouterRow>();
  for (const menu of model.settings) settings.set(menu.path, (await api.print(menu.path))[0] ?? {});
  return { tables, settings };
}

export interface ApplyReport {
  readonly plan: RouterDiff;
  readonly applied: readonly Operation[];
  /** The operation that failed and the router's words, when the run stopped early. */
  readonly failed: { readonly operation: Operation; readonly error: Error } | undefined;
  /** Operations not attempted because an earlier one failed. */
  readonly skipped: readonly Operation[];
}

/** Reads the router, plans, and (unless `dryRun` or there are conflicts) applies the plan. */
export async function applyConfiguration(
  api: RouterOsApi,
  model: DesiredConfiguration,
  options: { dryRun?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<ApplyReport> {
  const plan = diffRouter(model, await readRouterState(api, model));
  if (options.dryRun === true || plan.conflicts.length > 0) return { plan, applied: [], failed: undefined, skipped: [...plan.operations] };
  return applyDiff(api, plan, options.onProgress);
}

/** Runs the operations in order; stops at the first failure. `onProgress(done, total)` after each operation. */
export async function applyDiff(api: RouterOsApi, plan: RouterDiff, onProgress?: (done: number, total: number) => void): Promise<ApplyReport> {
  const added = new Map<string, string>();
  const id = (ref: RowRef): string => {
    if ('id' in ref) return ref.id;
    const real = added.get(ref.added);
    if (real === undefined) throw new Error(`internal: ${ref.added} was not added before it was referenced`);
    return real;
  };
  const applied: Operation[] = [];
  for (const [index, op] of plan.operations.entries()) {
    try {
      switch (op.kind) {
        case 'add': {
          const properties: Record<string, string> = Object.fromEntries(op.properties.map((p) => [p.name, p.value]));
          properties['comment'] = op.key;
          if (op.placeBefore) properties['place-before'] = id(op.placeBefore.ref);
          added.set(op.key, await api.add(op.path, properties));
          break;
        }
        case 'set':
          await api.set(op.path, id(op.target), Object.fromEntries(op.changes.map((c) => [c.name, c.to])));
          break;
        case 'settings':
          await api.set(op.path, undefined, Object.fromEntries(op.changes.map((c) => [c.name, c.to])));
          break;
        case 'remove':
          await api.remove(op.path, id(op.target));
          break;
        case 'move':
          await api.run(`${op.path}/move`, [`=numbers=${id(op.target)}`, `=destination=${id(op.before)}`]);
          break;
      }
      applied.push(op);
      onProgress?.(applied.length, plan.operations.length);
    } catch (error) {
      return { plan, applied, failed: { operation: op, error: error instanceof Error ? error : new Error(String(error)) }, skipped: plan.operations.slice(index + 1) };
    }
  }
  return { plan, applied, failed: undefined, skipped: [] };
}

/** The operator-facing text of a report (the plan, then what happened). */
export function describeReport(report: ApplyReport, options: { dryRun?: boolean } = {}): string {
  const { plan } = report;
  const lines: string[] = [];
  if (plan.conflicts.length > 0) {
    lines.push(`NAS ${plan.nas}: refusing to apply — ${plan.conflicts.length} conflict(s) with objects radgate does not manage:`);
    lines.push(...plan.conflicts.map((c) => `  ${c}`), 'nothing was changed');
    return lines.join('\n');
  }
  for (const note of plan.notes) lines.push(`note: ${note}`);
  if (plan.operations.length === 0) {
    lines.push(`NAS ${plan.nas}: no changes`);
    return lines.join('\n');
  }
  const header = options.dryRun === true
    ? `NAS ${plan.nas}: ${plan.operations.length} change(s) planned (dry run, nothing applied):`
    : `NAS ${plan.nas}: ${plan.operations.length} change(s):`;
  lines.push(header);
  if (options.dryRun === true) {
    lines.push(...plan.operations.map((op) => `  ${describeOperation(op)}`));
    return lines.join('\n');
  }
  lines.push(...report.applied.map((op) => `  done    ${describeOperation(op)}`));
  if (report.failed !== undefined) {
    lines.push(`  FAILED  ${describeOperation(report.failed.operation)}`, `          ${report.failed.error.message}`);
    lines.push(...report.skipped.map((op) => `  not run ${describeOperation(op)}`));
    lines.push(`stopped after ${report.applied.length} of ${plan.operations.length} change(s); the router keeps what was done — run router-apply again once the cause is fixed`);
  } else {
    lines.push(`applied ${report.applied.length} change(s)`);
  }
  return lines.join('\n');
}
