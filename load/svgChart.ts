/**
 * A line chart as inline SVG, for the load test's one-file offline report: a few series over time,
 * dashed vertical markers where measurement windows start, axes with round ticks, and a legend.
 */

/** One line: its name, colour and values (null: no value for that point). */
export interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
  /** Draw dashed (a budget or target line). */
  readonly dashed?: boolean;
}

/** A chart: its title, y unit, x values (seconds) and lines, with window markers. */
export interface Chart {
  readonly title: string;
  readonly unit: string;
  readonly x: readonly number[];
  readonly series: readonly Series[];
  /** Seconds at which a measurement window starts, with its label. */
  readonly markers: readonly { readonly atSec: number; readonly label: string }[];
}

const WIDTH = 880;
const HEIGHT = 240;
const LEFT = 64;
const RIGHT = 16;
const TOP = 28;
const BOTTOM = 34;

/** Escapes text for HTML and SVG. */
export function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** A round step for about five ticks over `span`. */
function niceStep(span: number): number {
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

/** The SVG of `chart`. */
export function svgChart(chart: Chart): string {
  const xs = chart.x;
  const xMin = xs[0] ?? 0;
  const xMax = Math.max(xMin + 1, xs.at(-1) ?? 1);
  const all = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const yMax = (Math.max(0, ...all) || 1) * 1.08;
  const yStep = niceStep(yMax);
  const px = (x: number): number => LEFT + ((x - xMin) / (xMax - xMin)) * (WIDTH - LEFT - RIGHT);
  const py = (y: number): number => HEIGHT - BOTTOM - (y / yMax) * (HEIGHT - TOP - BOTTOM);
  const parts: string[] = [`<text x="${LEFT}" y="16" class="t">${esc(chart.title)} (${esc(chart.unit)})</text>`];
  for (let y = 0; y <= yMax; y += yStep) {
    const label = Number(y.toPrecision(6));
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${py(y)}" y2="${py(y)}" class="g"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${py(y) + 4}" text-anchor="end">${label}</text>`);
  }
  for (let x = Math.ceil(xMin / niceStep(xMax - xMin)) * niceStep(xMax - xMin); x <= xMax; x += niceStep(xMax - xMin))
    parts.push(`<text x="${px(x)}" y="${HEIGHT - 14}" text-anchor="middle">${Number(x.toPrecision(6))} s</text>`);
  for (const m of chart.markers) {
    parts.push(`<line x1="${px(m.atSec)}" x2="${px(m.atSec)}" y1="${TOP}" y2="${HEIGHT - BOTTOM}" class="m"/>`);
    parts.push(`<text x="${px(m.atSec) + 3}" y="${TOP + 10}" class="ml">${esc(m.label)}</text>`);
  }
  chart.series.forEach((s, i) => {
    let d = '';
    let pen = 'M';
    s.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) pen = 'M';
      else {
        d += `${pen}${px(xs[k]!).toFixed(1)},${py(v).toFixed(1)}`;
        pen = 'L';
      }
    });
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}/>`);
    const lx = LEFT + 8 + i * 150;
    parts.push(`<rect x="${lx}" y="${HEIGHT - 8}" width="12" height="3" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 16}" y="${HEIGHT - 4}">${esc(s.label)}</text>`);
  });
  const box = `viewBox="0 0 ${WIDTH} ${HEIGHT + 4}" width="${WIDTH}"`;
  const open = `<svg ${box} role="img" aria-label="${esc(chart.title)}">`;
  return `${open}${parts.join('')}</svg>`;
}
