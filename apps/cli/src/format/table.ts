/** A plain text table: a header row, then rows, columns padded to their widest cell. */
export function table(columns: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [columns, ...rows.map((row) => row.map((cell) => (cell === null || cell === undefined || cell === "" ? "-" : String(cell))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ");
  if (rows.length === 0) return `${line(columns)}\n(none)`;
  return cells.map(line).join("\n");
}

/** "key: value" lines, keys aligned, for one record. */
export function fields(entries: [string, string | number | null | undefined][]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${value === null || value === undefined || value === "" ? "-" : value}`).join("\n");
}
