/** Text tables of the `cdk-ec2-scheduler` commands. */

/** Lines of cells, each column as wide as its widest cell. */
export function aligned(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
}
