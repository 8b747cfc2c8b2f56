/** Result rows and their rendering (console table and markdown). */

/** One line of the summary: a target, our figure, the comparator's, and the verdict. */
export interface TargetRow {
  section: string;
  target: string;
  ours: string;
  comparator: string;
  /** The verdict; `undefined`: a figure reported without a target. */
  pass: boolean | undefined;
}

/** Renders rows as a markdown table. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

/** The summary table of targets. */
export function targetTable(rows: readonly TargetRow[]): string {
  return markdownTable(
    ['section', 'target', 'nest-resilience', 'comparator', 'result'],
    rows.map((r) => [
      r.section,
      r.target,
      r.ours,
      r.comparator,
      r.pass === undefined ? 'reported' : r.pass ? 'pass' : '**NOT MET**',
    ]),
  );
}
