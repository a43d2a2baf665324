/**
 * A self-contained HTML page of a load test's time series, drawn with uPlot (its script and CSS are
 * inlined, so the file opens offline): tick duration p50/p99/max per second against the budget,
 * bandwidth per client, client count over time, and CPU of the server, the bots and the rest of the machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TimeSeriesRow } from './loadFigures.ts';

/** What the page shows. */
export interface PlotInput {
  readonly title: string;
  /** One line under the title: machine, parameters, verdict. */
  readonly subtitle: string;
  readonly tickBudgetMs: number;
  readonly rows: readonly TimeSeriesRow[];
}

/** The HTML page for `input`. */
export function plotHtml(input: PlotInput): string {
  const dist = join(dirname(createRequire(import.meta.url).resolve('uplot')), '..', 'dist');
  const script = readFileSync(join(dist, 'uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(join(dist, 'uPlot.min.css'), 'utf8');
  const rows = input.rows;
  const col = (f: (r: TimeSeriesRow) => number | null): (number | null)[] => rows.map(f);
  const kib = (v: number | null): number | null => (v === null ? null : Math.round((v / 1024) * 100) / 100);
  const data = {
    t: col((r) => r.tSec),
    p50: col((r) => r.tickP50Ms),
    p99: col((r) => r.tickP99Ms),
    max: col((r) => r.tickMaxMs),
    budget: rows.map(() => input.tickBudgetMs),
    payload: col((r) => kib(r.payloadBytesPerClientPerSec)),
    wire: col((r) => kib(r.wireBytesPerClientPerSec)),
    clients: col((r) => r.clients),
    target: col((r) => r.targetClients),
    serverCpu: col((r) => r.serverCpuPercent),
    botCpu: col((r) => r.botCpuPercent),
    otherCpu: col((r) => r.otherCpuPercent),
  };
  const esc = (s: string): string => s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
  // JSON inside a <script>: escape "<" so no string can close the tag.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<style>${css}
body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px;margin:0 0 4px}` +
    `p{margin:0 0 16px;color:#555}.chart{margin:0 0 28px}</style>
</head><body>
<h1>${esc(input.title)}</h1><p>${esc(input.subtitle)}</p>
<div class="chart" id="tick"></div><div class="chart" id="bw"></div>` +
    `<div class="chart" id="clients"></div><div class="chart" id="cpu"></div>
<script>${script}</script>
<script>
const d = ${json};
const width = Math.min(1100, window.innerWidth - 48);
const opts = (title, yLabel, series) => ({ title, width, height: 300, scales: { x: { time: false } },
  axes: [{ label: 'seconds' }, { label: yLabel }], series: [{ label: 't (s)' }, ...series] });
new uPlot(opts('Tick duration per second vs budget', 'ms', [
  { label: 'p50', stroke: '#2a7' }, { label: 'p99', stroke: '#e80' }, { label: 'max', stroke: '#c22' },
  { label: 'budget', stroke: '#000', dash: [6, 4] }]), ` +
    `[d.t, d.p50, d.p99, d.max, d.budget], document.getElementById('tick'));
new uPlot(opts('Bandwidth per client (server to client)', 'KiB/s', [
  { label: 'payload', stroke: '#27c' }, { label: 'wire (est.)', stroke: '#93c' }]), ` +
    `[d.t, d.payload, d.wire], document.getElementById('bw'));
new uPlot(opts('Clients over time', 'clients', [
  { label: 'connected', stroke: '#27c' }, { label: 'target', stroke: '#999', dash: [6, 4] }]), ` +
    `[d.t, d.clients, d.target], document.getElementById('clients'));
new uPlot(opts('CPU', '% of one core', [
  { label: 'server', stroke: '#c22' }, { label: 'bots', stroke: '#2a7' }, ` +
    `{ label: 'other processes', stroke: '#999' }]), ` +
    `[d.t, d.serverCpu, d.botCpu, d.otherCpu], document.getElementById('cpu'));
</script></body></html>
`
  );
}
