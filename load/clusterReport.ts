/**
 * The cluster part of a load report (`--workers`): one row per server process and window, and the
 * directory's join latency (the bots' matchmaking requests).
 */
import type { ProcessFigures, WindowFigures } from './loadFigures.ts';
import type { TableColumn } from './report.ts';

/** One server process in one measurement window. */
export interface ProcessRow {
  /** The window's client count. */
  readonly window: number;
  readonly figures: ProcessFigures;
}

/** The per-process table's columns. */
export const PROCESS_COLUMNS: readonly TableColumn<ProcessRow>[] = [
  { heading: 'clients (window)', cell: (r) => r.window },
  { heading: 'process', cell: (r) => r.figures.process },
  { heading: 'clients', cell: (r) => r.figures.clients },
  { heading: 'tick p50 ms', cell: (r) => r.figures.tickP50Ms },
  { heading: 'p99 ms', cell: (r) => r.figures.tickP99Ms },
  { heading: 'Hz', cell: (r) => r.figures.achievedTickRateHz },
  { heading: 'CPU %', cell: (r) => r.figures.cpuPercent },
  { heading: 'RSS MiB', cell: (r) => r.figures.rssMiB },
];

/** Every window's per-process rows, in window then worker order (none without `--workers`). */
export function processRows(steps: readonly WindowFigures[]): ProcessRow[] {
  return steps.flatMap((s) => s.processes.map((figures) => ({ window: s.clients, figures })));
}

/** The directory's join latency of a window, as one line. */
export function joinLine(s: WindowFigures): string {
  const c = s.client;
  if (c.joinP50Ms === null) return `${s.clients} clients: no matchmaking join measured in the window`;
  return (
    `${s.clients} clients: directory join (matchmaking request) p50 ${c.joinP50Ms} ms, ` +
    `p99 ${c.joinP99Ms} ms over ${c.joins} joins`
  );
}
