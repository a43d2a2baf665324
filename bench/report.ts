/**
 * Helpers for benchmark reports: the machine, percentiles, tables and JSON files are the load tester's
 * (`tickwave/load`), plus the means, medians and default result paths the benches use.
 */
import { join } from 'node:path';
import { percentile } from '../load/index.ts';

export {
  formatTable,
  type MachineInfo,
  machineInfo,
  percentile,
  round,
  type TableColumn,
  writeJson,
} from '../load/index.ts';

/** Folder result files go to by default, relative to the working directory. */
export const RESULTS_DIR = join('bench', 'results');

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

/** The default result path for benchmark `name`: bench/results/<name>-<YYYY-MM-DD>.json. */
export function defaultResultPath(name: string, date: Date = new Date()): string {
  return join(RESULTS_DIR, `${name}-${date.toISOString().slice(0, 10)}.json`);
}
