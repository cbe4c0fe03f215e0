/** The operator commands' tables: columns aligned in plain text. */

/** Lines of cells, each column as wide as its widest cell, two spaces apart. */
export function aligned(rows: readonly string[][]): string[] {
  if (rows.length === 0) return [];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
}
