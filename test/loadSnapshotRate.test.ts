/**
 * The load tester's --snapshot-rate: parsed and checked against the tick rate, passed to the started
 * server's room, and judged and shown as the rate clients should receive (not the tick rate).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHECKOUT_SETUP } from '../bench/loadScenarios/index.ts';
import { DEFAULT_BUDGET, type WindowFigures } from '../load/loadFigures.ts';
import { loadReport, parseLoadArgs as parseArgs } from '../load/main.ts';
import { verdictOf } from '../load/verdict.ts';

/** The checkout's command line, parsed. */
const parseLoadArgs = (args: readonly string[]): ReturnType<typeof parseArgs> => parseArgs(args, CHECKOUT_SETUP);

describe('load tester --snapshot-rate', () => {
  it('takes a divisor of the tick rate, and nothing else', () => {
    assert.equal(parseLoadArgs([])?.options.snapshotRateHz, null, "default: the room type's own rate");
    assert.equal(parseLoadArgs(['--tick-rate', '60', '--snapshot-rate', '30'])?.options.snapshotRateHz, 30);
    assert.equal(parseLoadArgs(['--tick-rate', '30', '--snapshot-rate', '10'])?.options.snapshotRateHz, 10);
    assert.throws(
      () => parseLoadArgs(['--tick-rate', '60', '--snapshot-rate', '25']),
      /--snapshot-rate must divide --tick-rate 60 \(one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60\); got "25"/,
    );
    assert.throws(() => parseLoadArgs(['--snapshot-rate', 'fast']), /--snapshot-rate/);
    assert.throws(() => parseLoadArgs(['--snapshot-rate', '0']), /--snapshot-rate/);
    assert.throws(
      () => parseLoadArgs(['--url', 'ws://127.0.0.1:1/', '--schema', 'x.ts', '--snapshot-rate', '30']),
      /a --url server keeps its own/,
    );
  });

  it('names the snapshot rate in the verdict', () => {
    const step = {
      clients: 10,
      held: true,
      reasons: [],
      notes: [],
      server: { cpuPercent: 10, tickP99Ms: 2, tickBudgetMs: 16.67 },
      client: { latencyP99Ms: 40, wireBytesPerClientPerSec: 2048, snapshotsPerClientPerSec: 30 },
    } as unknown as WindowFigures;
    const options = { tickRateHz: 60, snapshotRateHz: 30, clients: 10, ramp: false, rampMax: 10 };
    const v = verdictOf({ ...options, budget: DEFAULT_BUDGET, headroom: 0.3 }, [step], 10, false);
    assert.match(v.summary, /^HELD: 60 Hz \(snapshots 30 Hz\) with 10 clients within your budget/);
  });

  it('runs a 60 Hz room at 20 snapshots/s: the clients receive 20 a second while the room ticks at 60 Hz', {
    timeout: 90_000,
  }, async () => {
    const args = ['--clients', '20', '--tick-rate', '60', '--snapshot-rate', '20', '--entities', '50'];
    const parsed = parseLoadArgs([...args, '--duration', '3', '--settle', '1', '--bot-procs', '1']);
    assert.ok(parsed !== null);
    const report = await loadReport(parsed.options, { log: () => {} });
    const step = report.steps[0]!;
    assert.equal(step.minConnected, 20, `every client stayed connected: ${JSON.stringify(step.client.closeCodes)}`);
    const rate = step.client.snapshotsPerClientPerSec;
    assert.ok(rate >= 17 && rate <= 21, `${rate} snapshots per client per second`);
    assert.ok(step.server !== null && step.server.achievedTickRateHz > 50, 'the room still ticks at 60 Hz');
    const inputs = step.client.inputsPerClientPerSec;
    assert.ok(
      inputs >= 50 && inputs <= 61,
      `${inputs} inputs per client per second: the tick rate, not the snapshot rate`,
    );
    assert.ok(step.server.cpuUsPerClientPerSec > 0, 'server CPU per client per second reported');
    assert.equal(report.parameters.snapshotRateHz, 20);
    assert.match(report.verdict.summary, /60 Hz \(snapshots 20 Hz\)/);
  });
});
