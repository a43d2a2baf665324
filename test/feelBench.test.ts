/**
 * The play-feel benchmark (bench/feel.ts) on short runs: the real server and clients on one manual
 * clock, so every figure is a count of simulated frames and ticks, the same on every machine. Checks
 * the targets that are not about wall time: remote players move on every frame like the bots,
 * the local ship moves on every frame at 60 and 144 Hz, and no tick runs without its input on a clean link.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConditionerQuery } from '../client/index.ts';
import { CONDITIONS, runCondition } from '../bench/feel.ts';

describe('play-feel benchmark', () => {
  for (const { name, query } of CONDITIONS.slice(0, 2)) {
    it(`draws every ship moving on every frame, as smoothly as a bot (${name})`, async () => {
      const r = await runCondition(name, parseConditionerQuery(query), 4, 3, 60);
      const figures = JSON.stringify(r);
      assert.ok(r.remote.frames > 400 && r.local60.frames > 200 && r.local144.frames > 500, figures);
      assert.ok(r.remote.zeroPct < 1, `remote zero-step frames: ${figures}`);
      assert.ok(Math.abs(r.stddevRatio - 1) <= 0.1, `remote step stddev against a bot's: ${figures}`);
      assert.equal(r.local60.zeroPct, 0, figures);
      assert.equal(r.local144.zeroPct, 0, figures);
      assert.equal(r.serverZeroTickPct, 0, figures);
      assert.equal(r.serverDoubleTickPct, 0, figures);
      assert.equal(r.missedInputs, 0, figures);
      assert.equal(r.interpUnderruns, 0, figures);
    });
  }
});
