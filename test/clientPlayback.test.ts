// The playback clock follows the server's real tick rate, measured from arrivals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SnapshotBuffer } from '../client/index.ts';
import { emptySnapshot } from '../shared/index.ts';
import { testSchema } from './helpers/serverFixture.ts';

const FRAME_MS = 1000 / 60;

/** Feeds `seconds` of snapshots arriving every `arrivalEveryMs`, drawing a frame every 16.7 ms. */
function play(
  buffer: SnapshotBuffer,
  arrivalEveryMs: number,
  seconds: number,
): { delays: number[]; ahead: number[]; ticks: number[] } {
  const delays: number[] = [];
  const ahead: number[] = [];
  const ticks: number[] = [];
  let tick = 1000;
  let nextArrival = 0;
  for (let now = 0; now < seconds * 1000; now += FRAME_MS) {
    while (nextArrival <= now) {
      buffer.push(emptySnapshot(testSchema, tick++), nextArrival);
      nextArrival += arrivalEveryMs;
    }
    const drawn = buffer.renderTick(now);
    ticks.push(drawn);
    if (now > (seconds - 2) * 1000) {
      delays.push(buffer.delayMs);
      ahead.push(drawn - buffer.newest!.tick);
    }
  }
  return { delays, ahead, ticks };
}

describe('SnapshotBuffer playback clock', () => {
  it('keeps a positive delay and stays behind the data when the server ticks slower than nominal', () => {
    const buffer = new SnapshotBuffer();
    buffer.setTickRate(60);
    const { delays, ahead } = play(buffer, 1000 / 37, 12); // a server that only manages 37 Hz
    assert.ok(Math.abs(buffer.measuredTickMs - 1000 / 37) < 0.5, `measured ${buffer.measuredTickMs} ms per tick`);

    assert.ok(Math.min(...delays) > 0, `delay went to ${Math.min(...delays)} ms`);
    assert.ok(Math.max(...ahead) <= 0, `render time ran ${Math.max(...ahead)} ticks past the newest snapshot`);
  });

  it('never moves render time backwards, at the nominal rate or a drifting one', () => {
    for (const every of [1000 / 60, 1000 / 45, 1000 / 75]) {
      const buffer = new SnapshotBuffer();
      buffer.setTickRate(60);
      const { ticks } = play(buffer, every, 6);
      for (let i = 1; i < ticks.length; i++)
        assert.ok(ticks[i]! >= ticks[i - 1]!, `render tick went back at frame ${i}`);
    }
  });

  it('settles at the smallest delay on a clean link at the nominal rate', () => {
    const buffer = new SnapshotBuffer();
    buffer.setTickRate(60);
    const { delays } = play(buffer, 1000 / 60, 10);
    assert.ok(
      delays.every((d) => d >= 45 && d <= 55),
      `delays ${Math.min(...delays)}–${Math.max(...delays)} ms`,
    );
  });
});
