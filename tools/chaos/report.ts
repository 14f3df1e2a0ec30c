import { formatReadModel } from './read-model';
import type { Reconciliation } from './reconcile';

/** The reconciliation as an aligned table, the must-be-0 rows marked, then examples of each problem. */
export function formatReconciliation(r: Reconciliation): string {
  const rows: Array<[string, number | string, string?]> = [
    ['requests sent', r.requests],
    ['writes acknowledged (201/204)', r.acknowledged],
    ['writes with unknown outcome', r.unknown, 'connection cut or 5xx; resolved from the outbox'],
    ['  of which committed', r.unknownCommitted],
    ['  of which not committed', r.unknownNotCommitted],
    ['invalid requests sent', r.invalidSent],
    ['  rejected with 4xx', r.invalidRejected],
    ['  no answer (a component was down)', r.invalidUnanswered],
    ['  accepted or wrote rows', r.invalidWritten, 'must be 0'],
    ['valid requests rejected (4xx)', r.wronglyRejected, 'must be 0'],
    ['acknowledged but not committed', r.acknowledgedNotCommitted, 'must be 0'],
    ['commits no client explains', r.unexplainedCommits, 'must be 0'],
    ['books table mismatches', r.booksMismatched, 'must be 0'],
    ['events expected (outbox rows)', r.eventsExpected],
    ['events found on the topic', r.eventsFound],
    ['missing', r.missing, 'must be 0'],
    ['unexpected (no commit)', r.unexpected, 'must be 0'],
    ['duplicates (same event id)', r.duplicates, 'allowed: at-least-once'],
    ['content mismatches', r.contentMismatches, 'must be 0'],
    ['per-book order violations', r.orderViolations, 'must be 0'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, v]) => String(v).length));
  const lines = rows.map(([label, value, note]) => `  ${label.padEnd(width)}  ${String(value).padStart(valueWidth)}${note ? `   ${note}` : ''}`);
  if (r.readModel) lines.push(`  ${formatReadModel(r.readModel)}`);
  if (r.problems.length) lines.push('', '  problems:', ...r.problems.map((p) => `    ${p}`));
  return lines.join('\n');
}
