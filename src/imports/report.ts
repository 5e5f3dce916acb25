/**
 * @module imports/report
 * What an import did (or, with `--dry-run`, would do), entry by entry, so the operator can see why each subscriber
 * came in the way it did and why the others did not. Shared by every import (router entries, FreeRADIUS SQL).
 */

/** One source entry (a router secret, a FreeRADIUS user) and what became of it. */
export interface ImportLine {
  /** The entry as the source names it (router entry name, FreeRADIUS username). */
  readonly source: string;
  /**
   * `created`: a new subscriber; `unchanged`: already imported with the same values (a re-run); `skipped`: not
   * imported, `reason` says why; `differs`: a subscriber of that name exists with other values and was left alone.
   */
  readonly outcome: 'created' | 'unchanged' | 'skipped' | 'differs';
  /** Why (skipped, differs) or how (created: `plan home-10 from profile home`). */
  readonly reason: string;
}

export interface ImportReport {
  /** `router-secrets core-1`, `freeradius`. */
  readonly what: string;
  readonly dryRun: boolean;
  readonly lines: readonly ImportLine[];
  /** Mappings the import decided (router profile → plan, FreeRADIUS group → plan), `from → to`. */
  readonly mapped: ReadonlyArray<{ readonly from: string; readonly to: string }>;
  /** Things the operator must do by hand (plans to add to plans.yaml, unusable password hashes), one per line. */
  readonly notes: readonly string[];
}

export function countOutcomes(report: ImportReport): Record<ImportLine['outcome'], number> {
  const counts = { created: 0, unchanged: 0, skipped: 0, differs: 0 };
  for (const line of report.lines) counts[line.outcome]++;
  return counts;
}
