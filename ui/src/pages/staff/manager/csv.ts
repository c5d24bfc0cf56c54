/** A table as CSV (RFC 4180): a header row, then one row per entry; quoted where it must be. */
export interface Column<Row> {
  header: string;
  /** The raw value, as the CSV has it (a rate from 0 to 1, minutes). */
  value: (row: Row) => string | number | null;
  /** How the table on screen writes it, when not as the raw value. */
  show?: (row: Row) => string;
}

function cell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  return [columns.map((c) => cell(c.header)), ...rows.map((row) => columns.map((c) => cell(c.value(row))))].map((line) => line.join(',')).join('\r\n') + '\r\n';
}

/** Hands the CSV to the browser as a file download. */
export function downloadCsv(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
