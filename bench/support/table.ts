// Plain-text tables and number formatting for benchmark output.

export type Cell = string | number;

const isNumeric = (c: Cell) => typeof c === 'number' || /^[-+]?[\d,.]+\s*(x|%|ms|s|\/s)?$/.test(c);

/** Prints rows under a header, numbers right-aligned, text left-aligned. */
export function printTable(header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], raw: readonly Cell[] | null) =>
    cells
      .map((c, i) => (raw && isNumeric(raw[i] ?? '') ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  console.log(line(header, null));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  text.forEach((r, i) => console.log(line(r, rows[i]!)));
}

/** Thousands separators; one decimal below 100, two below 10. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Number.isInteger(n) || Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const ms = (n: number) => `${fmt(n)} ms`;
export const ratio = (n: number) => `${n.toFixed(2)}x`;

/** "PASS"/"MISS" beside a target, e.g. target('>= 30,000 events/s', value >= 30_000). */
export const target = (description: string, met: boolean) => `${met ? 'PASS' : 'MISS'} (target ${description})`;

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function heading(text: string): void {
  console.log(`\n## ${text}`);
}
