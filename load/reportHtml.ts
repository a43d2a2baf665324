/**
 * The load test's report as one self-contained HTML file (no script, no network): the verdict and
 * recommendation, the command line and versions, the budget, the step tables, notes, and SVG plots of
 * every per-second figure with a marker where each measurement window starts.
 */
import type { TableColumn } from './report.ts';
import { joinLine, PROCESS_COLUMNS, processRows } from './clusterReport.ts';
import { CLIENT_COLUMNS, type LoadReport, PHASE_COLUMNS, PHASES_NOTE, SERVER_COLUMNS } from './loadReport.ts';
import type { TimeSeriesRow, WindowFigures } from './loadFigures.ts';
import { type Chart, esc, type Series, svgChart } from './svgChart.ts';

const STYLE =
  'body{font:14px system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}h1{font-size:20px}' +
  'h2{font-size:16px;margin-top:28px}table{border-collapse:collapse;font-size:12px}' +
  'td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f4f4f4}' +
  '.held{color:#070;font-weight:600}.not{color:#b00;font-weight:600}code{background:#f4f4f4;padding:2px 4px}' +
  'svg text{font:11px system-ui,sans-serif;fill:#444}svg .t{font-size:13px;fill:#222}' +
  'svg .g{stroke:#eee}svg .m{stroke:#999;stroke-dasharray:3 3}svg .ml{fill:#777}';

/** An HTML table of `rows` with `columns`. */
function table<Row>(columns: readonly TableColumn<Row>[], rows: readonly Row[]): string {
  const head = columns.map((c) => `<th>${esc(c.heading)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td>${esc(String(c.cell(r)))}</td>`).join('')}</tr>`);
  return `<table><tr>${head}</tr>${body.join('')}</table>`;
}

/** The charts of the time series, each with the window markers. */
function charts(report: LoadReport): Chart[] {
  const rows = report.timeSeries;
  const x = rows.map((r) => r.tSec);
  const markers = report.steps.map((w: WindowFigures) => ({ atSec: w.startSec, label: `window ${w.clients}` }));
  const line = (label: string, color: string, f: (r: TimeSeriesRow) => number | null, dashed = false): Series => ({
    label,
    color,
    values: rows.map(f),
    dashed,
  });
  const kib = (v: number | null): number | null => (v === null ? null : v / 1024);
  const tickMs = 1000 / report.parameters.tickRateHz;
  const budgetMs = tickMs * report.parameters.budget.tickShare;
  const chart = (title: string, unit: string, series: Series[]): Chart => ({ title, unit, x, series, markers });
  return [
    chart('Tick time', 'ms', [
      line('p50', '#2a7', (r) => r.tickP50Ms),
      line('p99', '#e80', (r) => r.tickP99Ms),
      line('max', '#c22', (r) => r.tickMaxMs),
      line('budget', '#000', () => budgetMs, true),
    ]),
    chart('Bandwidth per client, server to client', 'KiB/s', [
      line('payload', '#27c', (r) => kib(r.payloadBytesPerClientPerSec)),
      line('wire (estimate)', '#93c', (r) => kib(r.wireBytesPerClientPerSec)),
    ]),
    chart('Clients', 'clients', [
      line('connected', '#27c', (r) => r.clients),
      line('asked for', '#999', (r) => r.targetClients, true),
    ]),
    chart('CPU', '% of one core', [
      line('server', '#c22', (r) => r.serverCpuPercent),
      line('bots', '#2a7', (r) => r.botCpuPercent),
      line('other processes', '#999', (r) => r.otherCpuPercent),
    ]),
    chart('Server memory (RSS)', 'MiB', [line('RSS', '#27c', (r) => r.serverRssMiB)]),
    chart('Server event-loop delay p99', 'ms', [line('p99', '#e80', (r) => r.eventLoopDelayP99Ms)]),
    chart('Input-to-ack latency p99', 'ms', [line('p99', '#c22', (r) => r.latencyP99Ms)]),
    chart('Snapshot arrival jitter p99', 'ms', [line('p99', '#93c', (r) => r.jitterP99Ms)]),
    chart('Disconnects and skipped snapshots', 'per second', [
      line('disconnects', '#c22', (r) => r.disconnects),
      line('snapshots skipped', '#e80', (r) => r.snapshotsSkipped),
    ]),
  ];
}

/** The per-process table and the join latency of a `--workers` run. */
function clusterHtml(report: LoadReport): string {
  const joins = report.steps.map((s) => `<li>${esc(joinLine(s))}</li>`).join('');
  return (
    `<h2>Server processes (${report.parameters.workers} workers; the server table sums them)</h2>` +
    `${table(PROCESS_COLUMNS, processRows(report.steps))}\n<h2>Directory join latency</h2><ul>${joins}</ul>`
  );
}

/** The HTML page of `report`. */
export function reportHtml(report: LoadReport): string {
  const o = report.parameters;
  const m = report.machine;
  const b = o.budget;
  const clients = o.ramp ? `ramp from ${o.clients}` : `${o.clients}`;
  const title = `Load test: ${o.scenario} at ${o.tickRateHz} Hz, ${clients} clients`;
  const verdictClass = report.verdict.held ? 'held' : 'not';
  const budget =
    `tick p99 ≤ ${Math.round(b.tickShare * 1000) / 10} % of the ${Math.round(100000 / o.tickRateHz) / 100} ms tick; ` +
    `input-to-ack p99 ${b.maxLatencyP99Ms === null ? 'not judged' : `≤ ${b.maxLatencyP99Ms} ms`}; ` +
    `bandwidth ${b.maxKibPerClient === null ? 'not judged' : `≤ ${b.maxKibPerClient} KiB/s per client`}`;
  const notes = report.steps.flatMap((s) => s.notes.map((n) => `<li>${s.clients} clients: ${esc(n)}</li>`));
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(title)}</h1>
<p class="${verdictClass}">${esc(report.verdict.summary)}</p>
<p>Recommendation: ${esc(report.verdict.recommendation)}</p>
<p>Command: <code>${esc(report.command)}</code></p>
<p>${esc(`${report.date} · tickwave ${m.tickwave} · node ${m.node} · ${m.cpu} × ${m.cores} · ${m.os}`)}` +
    ` · commit ${esc(m.commit)}` +
    `${report.transport === null ? ` · server ${esc(o.url ?? '')}` : ` · transport ${report.transport}`}</p>
<p>Budget: ${esc(budget)}</p>
<h2>Server (each measurement window)</h2>${table(SERVER_COLUMNS, report.steps)}
<h2>Tick phases (ms per tick, each window)</h2>${table(PHASE_COLUMNS, report.steps)}<p>${PHASES_NOTE}</p>
<h2>Clients (per client; bytes server → client unless "up")</h2>${table(CLIENT_COLUMNS, report.steps)}
${o.workers > 0 ? clusterHtml(report) : ''}
${notes.length === 0 ? '' : `<h2>Notes</h2><ul>${notes.join('')}</ul>`}
<h2>Over time (dashed lines: where each measurement window starts)</h2>
${charts(report).map(svgChart).join('\n')}
<p>${esc(report.wireEstimate)}</p>
</body></html>
`
  );
}
