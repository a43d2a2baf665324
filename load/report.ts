/**
 * Report helpers of the load tester: the machine and versions a run was made on, percentiles, a
 * plain-text table, and JSON files.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  /** Git commit of the working directory (with "-dirty" when the tree has changes), or "unknown" outside a checkout. */
  readonly commit: string;
  /** Version of the tickwave package running the load test. */
  readonly tickwave: string;
}

/** Describes this machine, the working directory's commit and the tickwave version. */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    node: process.version,
    cpu: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    os: `${platform()} ${release()}`,
    commit: gitCommit(),
    tickwave: tickwaveVersion(),
  };
}

/** The version in the tickwave package.json above this module (the checkout's or the installed package's). */
function tickwaveVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (!existsSync(path)) continue;
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'tickwave') return manifest.version ?? 'unknown';
  }
  return 'unknown';
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

/** Rounds `value` to `digits` decimals (for result files and tables). */
export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** One column of a text table: its heading and how to print a row's cell. */
export interface TableColumn<Row> {
  /** The column's heading, printed above its rule. */
  readonly heading: string;
  /** The cell of `row` in this column: a number (right-aligned unless `align` says) or text. */
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

/** Writes `data` as pretty JSON to `path`, creating its folder. Returns the path. */
export function writeJson(path: string, data: unknown): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  return path;
}
