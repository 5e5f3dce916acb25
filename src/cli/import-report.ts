/**
 * How the CLI prints an import's report (src/imports/report.ts), the same for every import: a count line, one table
 * row per source entry, the mappings, then the notes — a note's further lines (a plans.yaml entry to paste) print as
 * they are, between blank lines.
 */
import { countOutcomes, type ImportReport } from '../imports/report.js';
import { table } from './format.js';

export function describeImportReport(report: ImportReport): string {
  const counts = countOutcomes(report);
  const created = report.dryRun ? `${counts.created} would be created` : `${counts.created} created`;
  const summary = `${report.what}: ${created}, ${counts.unchanged} unchanged, ${counts.differs} differ, ${counts.skipped} skipped`;
  const parts = [report.dryRun ? `${summary} (dry run: nothing was written)` : summary];
  if (report.lines.length > 0) parts.push(table(['OUTCOME', 'ENTRY', 'HOW / WHY'], report.lines.map((l) => [l.outcome, l.source, l.reason])));
  if (report.mapped.length > 0) parts.push(['mappings:', ...report.mapped.map((m) => `  ${m.from} → ${m.to}`)].join('\n'));
  if (report.notes.length > 0) {
    const notes = ['notes:'];
    for (const note of report.notes) {
      const [first, ...more] = note.split('\n');
      notes.push(`  * ${first}`);
      if (more.length > 0) notes.push('', ...more, '');
    }
    parts.push(notes.join('\n'));
  }
  return parts.join('\n\n') + '\n';
}
