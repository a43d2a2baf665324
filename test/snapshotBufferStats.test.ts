/*
 * SnapshotBuffer's arrival statistics are kept cheaply on each push (the tick-rate slope from running
 * sums, the p95 lateness from a heap of the largest offsets): they must equal the definitions in
 * client/SnapshotBuffer.ts's header, computed here the plain way (two-pass least squares, a sort).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SnapshotBuffer } from '../client/index.ts';
import { emptySnapshot, seededRandom } from '../shared/index.ts';
import { testSchema } from './helpers/serverFixture.ts';

const TICK_MS = 1000 / 60;

/** The least-squares ms per tick of the arrivals, bounded within 2× of nominal, as the header defines it. */
function slope(ticks: readonly number[], arrivals: readonly number[]): number {
  const n = ticks.length;
  const mt = ticks.reduce((s, t) => s + t, 0) / n;
  const ma = arrivals.reduce((s, a) => s + a, 0) / n;
  let cov = 0;
  let vt = 0;
  for (let i = 0; i < n; i++) {
    cov += (ticks[i]! - mt) * (arrivals[i]! - ma);
    vt += (ticks[i]! - mt) ** 2;
  }
  return Math.min(TICK_MS * 2, Math.max(TICK_MS / 2, cov / vt));
}

/** The p95 lateness of the arrivals at `msPerTick`, by sorting. */
function p95Lateness(ticks: readonly number[], arrivals: readonly number[], msPerTick: number): number {
  const newest = ticks.at(-1)!;
  const offsets = ticks.map((t, i) => arrivals[i]! - (t - newest) * msPerTick).sort((a, b) => a - b);
  const n = offsets.length;
  return offsets[Math.min(n - 1, Math.floor(n * 0.95))]! - offsets[0]!;
}

/** Pushes `count` snapshots with random jitter, missed ticks and late bursts; checks the statistics after each. */
function check(seed: number, window: number, count: number, jitterMs: number, gapChance: number): void {
  const random = seededRandom(seed);
  const buffer = new SnapshotBuffer({ jitterWindow: window });
  buffer.setTickRate(60);
  const ticks: number[] = [];
  const arrivals: number[] = [];
  let tick = 5000 + Math.floor(random() * 1e6);
  const msPerTick = TICK_MS * (0.8 + random() * 0.4); // a server running a little off its nominal rate
  for (let i = 0; i < count; i++) {
    tick += random() < gapChance ? 1 + Math.floor(random() * 4) : 1;
    const late = random() < 0.02 ? 100 * random() : random() * jitterMs;
    const arrivalMs = 1e9 + tick * msPerTick + late;
    assert.ok(buffer.push(emptySnapshot(testSchema, tick), arrivalMs));
    ticks.push(tick);
    arrivals.push(arrivalMs);
    const t = ticks.slice(-window);
    const a = arrivals.slice(-window);
    const expectedMsPerTick = t.length >= 30 ? slope(t, a) : TICK_MS;
    const context = `seed ${seed}, window ${window}, arrival ${i}`;
    assert.ok(Math.abs(buffer.measuredTickMs - expectedMsPerTick) < 1e-9, `${context}: ms per tick`);
    const expectedJitter = p95Lateness(t, a, expectedMsPerTick);
    assert.ok(Math.abs(buffer.jitterMs - expectedJitter) < 1e-6, `${context}: ${buffer.jitterMs} ≠ ${expectedJitter}`);
    // The snapshot interval: the upper median of the last 16 tick gaps once 8 are known, 1 (announced) before.
    const gaps = ticks
      .slice(-17)
      .map((tick, j, all) => (j === 0 ? NaN : tick - all[j - 1]!))
      .slice(1);
    const sorted = [...gaps].sort((x, y) => x - y);
    const expectedInterval = gaps.length >= 8 ? Math.max(1, sorted[gaps.length >> 1]!) : 1;
    assert.equal(buffer.snapshotIntervalTicks, expectedInterval, `${context}: snapshot interval`);
  }
}

describe('SnapshotBuffer arrival statistics', () => {
  it('measure the tick rate, the p95 lateness and the snapshot interval as defined, window after window', () => {
    for (let seed = 1; seed <= 6; seed++) {
      check(seed, 180, 700, seed * 3, 0.1);
      check(seed, 31, 300, seed, seed / 10);
    }
  });

  it('stay exact when every snapshot arrives on time (equal offsets) and after a clear', () => {
    const buffer = new SnapshotBuffer({ jitterWindow: 40 });
    buffer.setTickRate(60);
    for (let tick = 1; tick <= 400; tick++) buffer.push(emptySnapshot(testSchema, tick), 30 + tick * TICK_MS);
    assert.ok(Math.abs(buffer.measuredTickMs - TICK_MS) < 1e-9, `${buffer.measuredTickMs}`);
    assert.ok(Math.abs(buffer.jitterMs) < 1e-6, `${buffer.jitterMs}`);
    buffer.clear();
    for (let tick = 1000; tick < 1100; tick++) buffer.push(emptySnapshot(testSchema, tick), tick * 20 + (tick % 3));
    const ticks = Array.from({ length: 40 }, (_, i) => 1060 + i);
    const arrivals = ticks.map((t) => t * 20 + (t % 3));
    assert.ok(Math.abs(buffer.measuredTickMs - slope(ticks, arrivals)) < 1e-9);
    assert.ok(Math.abs(buffer.jitterMs - p95Lateness(ticks, arrivals, buffer.measuredTickMs)) < 1e-6);
  });
});
