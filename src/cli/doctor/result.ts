/**
 * @module cli/doctor/result
 * One doctor check's outcome and how it is shown: a line per check (`ok` / `warn` / `FAIL`, what was checked, what
 * was found, and for a problem the command or edit that fixes it), or the same as JSON. No result ever holds a
 * secret: checks say "differs", never a value.
 */

export type CheckStatus = 'ok' | 'warn' | 'FAIL';

export interface CheckResult {
  /** What was checked, e.g. `config`, `router core-1 /radius incoming`. */
  readonly check: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** For warn / FAIL: the command or edit that fixes it. */
  readonly fix?: string | undefined;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
export const warn = (check: string, detail: string, fix?: string): CheckResult => ({ check, status: 'warn', detail, fix });
export const fail = (check: string, detail: string, fix?: string): CheckResult => ({ check, status: 'FAIL', detail, fix });

/** `FAIL  router core-1 /radius incoming: accept is no, want yes; fix: radgate router-apply core-1`. */
export function formatLine(result: CheckResult): string {
  const fix = result.fix === undefined ? '' : `; fix: ${result.fix}`;
  return `${result.status.padEnd(4)}  ${result.check}: ${result.detail}${fix}`;
}

export function formatText(results: readonly CheckResult[]): string {
  const count = (status: CheckStatus) => results.filter((r) => r.status === status).length;
  const summary = `${count('FAIL')} FAIL, ${count('warn')} warn, ${count('ok')} ok`;
  return [...results.map(formatLine), summary].join('\n') + '\n';
}

export function formatJson(results: readonly CheckResult[]): string {
  const checks = results.map((r) => ({ check: r.check, status: r.status, detail: r.detail, ...(r.fix === undefined ? {} : { fix: r.fix }) }));
  return JSON.stringify({ ok: !results.some((r) => r.status === 'FAIL'), checks }, null, 2) + '\n';
}

/** 0 when nothing failed, 1 otherwise (warnings do not fail). */
export function exitStatus(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === 'FAIL') ? 1 : 0;
}
