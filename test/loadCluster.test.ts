import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CHECKOUT_SETUP } from '../bench/loadScenarios/index.ts';
import { loadReport, parseLoadArgs, writeLoadReport } from '../load/main.ts';
import { reportText } from '../load/loadReport.ts';

/** True while a process with `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('load test with --workers (a cluster on a real redis-server)', () => {
  it('parses --workers and --room-size and rejects what does not fit', () => {
    const parsed = parseLoadArgs(['--scenario', 'arena', '--clients', '9', '--workers', '2'], CHECKOUT_SETUP);
    assert.equal(parsed?.options.workers, 2);
    assert.equal(parsed?.options.roomCapacity, 5, 'rooms of clients / workers, rounded up');
    const sized = parseLoadArgs(['--scenario', 'arena', '--workers', '3', '--room-size', '4'], CHECKOUT_SETUP);
    assert.equal(sized?.options.roomCapacity, 4);
    assert.equal(parseLoadArgs(['--scenario', 'arena'], CHECKOUT_SETUP)?.options.workers, 0, 'one process by default');
    assert.throws(() => parseLoadArgs(['--scenario', 'arena', '--workers', '17'], CHECKOUT_SETUP), /--workers/);
    assert.throws(() => parseLoadArgs(['--scenario', 'arena', '--workers', '0'], CHECKOUT_SETUP), /--workers/);
    assert.throws(() => parseLoadArgs(['--scenario', 'arena', '--room-size', '4'], CHECKOUT_SETUP), /--room-size/);
    assert.throws(
      () => parseLoadArgs(['--url', 'ws://127.0.0.1:1/', '--schema', 'x.ts', '--workers', '2'], CHECKOUT_SETUP),
      /--workers .* --url/,
    );
  });

  it('runs 8 light clients on 2 workers: every bot joins through matchmaking, both serve, Redis is stopped', {
    timeout: 120_000,
  }, async () => {
    const parsed = parseLoadArgs(
      [
        ...['--scenario', 'arena', '--clients', '8', '--workers', '2', '--room-size', '2'],
        ...['--tick-rate', '30', '--entities', '20', '--duration', '2', '--settle', '1', '--bot-procs', '1'],
      ],
      CHECKOUT_SETUP,
    );
    assert.ok(parsed !== null);
    let redisPid = 0;
    const report = await loadReport(parsed.options, { log: () => {}, redisStarted: (pid) => (redisPid = pid) });
    assert.ok(redisPid > 0, 'redis-server was started');
    assert.equal(alive(redisPid), false, 'and is gone after the run');
    const step = report.steps[0]!;
    assert.equal(step.minConnected, 8, `every bot joined: ${JSON.stringify(step.client.closeCodes)}`);
    assert.ok(step.client.snapshotsPerClientPerSec > 0, 'snapshots were received');
    assert.equal(step.processes.length, 2, 'figures for each of the 2 workers');
    for (const p of step.processes) {
      assert.ok(p.clients > 0, `worker ${p.process} served clients (rooms of 2 spread over both)`);
      assert.ok(p.achievedTickRateHz > 0 && p.cpuPercent > 0 && p.rssMiB > 0);
    }
    assert.equal(step.server?.snapshotsSent !== undefined && step.server.snapshotsSent > 0, true);
    assert.equal(step.client.joins, 8, 'each bot asked the matchmaker once');
    assert.ok(step.client.joinP50Ms !== null && Number.isFinite(step.client.joinP50Ms) && step.client.joinP50Ms > 0);
    assert.ok(step.client.joinP99Ms !== null && step.client.joinP99Ms >= step.client.joinP50Ms);
    const text = reportText(report);
    assert.match(text, /server processes/);
    assert.match(text, /directory join \(matchmaking request\) p50 [\d.]+ ms, p99 [\d.]+ ms over 8 joins/);
    const dir = mkdtempSync(join(tmpdir(), 'tickwave-load-cluster-'));
    try {
      const paths = writeLoadReport(report, join(dir, 'load.json'));
      const html = readFileSync(paths.html, 'utf8');
      assert.match(html, /Server processes \(2 workers/);
      assert.match(html, /Directory join latency/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
