/**
 * Shared helpers for benchmark reports: the machine a run was made on, medians and percentiles,
 * a plain-text table, and JSON result files.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';

/** Folder result files go to by default, relative to the working directory. */
export const RESULTS_DIR = join('bench', 'results');

/** The machine and code a benchmark ran on, written into every result file. */
export interface MachineInfo {
  /** Node version, e.g. "v20.20.2". */
  readonly node: string;
  /** CPU model name of the first core. */
  readonly cpu: string;
  /** Logical cores. */
  readonly cores: number;
  /** OS name and kernel release, e.g. "linux 6.1.0". */
  readonly os: string;
  /** Current git commit (with "-dirty" when the tree has changes), or "unknown" outside a git checkout. */
  readonly commit: string;
}

/** Describes this machine and the checked-out commit. */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    os: `${platform()} ${release()}`,
    commit: gitCommit(),
  };
}

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty === '' ? head : `${head}-dirty`;
  } catch {
    return 'unknown';
  }
}

/** The `p`-th percentile (0–100) of `values`, by linear interpolation; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** The median of `values`; NaN for no values. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The arithmetic mean of `values`; NaN for no values. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Rounds `value` to `digits` decimals (for result files and tables). */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** One column of a text table: its heading and how to print a row's cell. */
export interface TableColumn<Row> {
  readonly heading: string;
  readonly cell: (row: Row) => string | number;
  /** Text alignment; numbers are right-aligned by default, text left-aligned. */
  readonly align?: 'left' | 'right';
}

/** Formats rows as a plain-text table with a heading line and a rule, columns padded to fit. */
export function formatTable<Row>(columns: readonly TableColumn<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.heading.length, ...cells.map((r) => String(r[i]).length)));
  const alignOf = (i: number): 'left' | 'right' =>
    columns[i]!.align ?? (cells.length > 0 && typeof cells[0]![i] === 'number' ? 'right' : 'left');
  const pad = (text: string, i: number): string =>
    alignOf(i) === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const lines = [columns.map((c, i) => pad(c.heading, i)).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of cells) lines.push(r.map((v, i) => pad(String(v), i)).join('  '));
  return lines.join('\n');
}

/** The default result path for benchmark `name`: bench/results/<name>-<YYYY-MM-DD>.json. */
export function defaultResultPath(name: string, date: Date = new Date()): string {
  return join(RESULTS_DIR, `${name}-${date.toISOString().slice(0, 10)}.json`);
}

/** Writes `data` as pretty JSON to `path`, creating its folder. Returns the path. */
export function writeJson(path: string, data: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
