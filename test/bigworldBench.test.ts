/** The big-world benchmark: a short run checks its clients' streams, and the tick-cost line it prints. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BigworldResult, fitTickCost, runBigworldCase } from '../bench/bigworld.ts';
import { round } from '../bench/report.ts';

/** A result whose mean tick is `fixedMs` + `perClientUs` per client. */
function result(mode: BigworldResult['mode'], clients: number, fixedMs: number, perClientUs: number): BigworldResult {
  const meanMs = fixedMs + (perClientUs * clients) / 1000;
  return {
    mode,
    entities: 100,
    clients,
    ticks: 10,
    bytesPerClientPerSnapshot: 100,
    cpuUsPerClientPerSnapshot: (meanMs * 1000) / clients,
    tickP50Ms: meanMs,
    tickP99Ms: meanMs,
    tickMaxMs: meanMs,
    gameStepMsPerTick: 0,
    tickP99OfBudget: 0,
    visiblePerClient: 100,
    deferredShare: 0,
    sharedShare: 0,
    skipped: 0,
  };
}

describe('big-world benchmark', () => {
  it('runs interest and all-visible cases whose checked clients hold exactly the server’s world', async () => {
    const interest = await runBigworldCase('interest', 4, 8, 4, 400);
    assert.equal(interest.clients, 4);
    assert.equal(interest.skipped, 0);
    assert.ok(
      interest.visiblePerClient > 0 && interest.visiblePerClient < 400,
      `seen per client: ${interest.visiblePerClient}`,
    );
    assert.ok(interest.bytesPerClientPerSnapshot > 0);
    const reference = await runBigworldCase('all-visible', 4, 8, 4, 400);
    assert.equal(reference.entities, 100);
    assert.equal(reference.visiblePerClient, 100);
  });

  it(
    'splits each mode’s mean tick into a fixed part and a part per client, ' + 'through its two largest client counts',
    () => {
      const fits = fitTickCost([
        result('interest', 1, 9, 50), // off the line: only the two largest counts are used
        result('interest', 1000, 3, 12),
        result('interest', 100, 3, 12),
        result('all-visible', 100, 0.05, 1),
        result('all-visible', 1000, 0.05, 1),
      ]);
      assert.equal(fits.length, 2);
      const [reference, interest] = fits;
      assert.deepEqual(
        { ...interest, fixedMs: round(interest!.fixedMs, 3), perClientUs: round(interest!.perClientUs, 3) },
        {
          mode: 'interest',
          fromClients: 100,
          toClients: 1000,
          fixedMs: 3,
          perClientUs: 12,
          clientsInBudget: Math.floor((1000 / 60 - 3) / 0.012),
          clientsInHalfBudget: Math.floor((1000 / 120 - 3) / 0.012),
        },
      );
      assert.equal(reference!.mode, 'all-visible');
      assert.equal(round(reference!.perClientUs, 3), 1);
    },
  );

  it('fits nothing for a mode run at one client count', () => {
    assert.deepEqual(fitTickCost([result('interest', 1000, 3, 12)]), []);
  });
});
