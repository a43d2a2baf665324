import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  emptyEnvelope,
  encodeMessage,
  MsgKind,
  parseSnapshotEnvelope,
  writeAckMessage,
  writeInputMessage,
} from '../shared/index.ts';
import { CHECKOUT_SETUP } from '../bench/loadScenarios/index.ts';
import { arenaRoomType } from '../bench/loadScenarios/arenaRoom.ts';
import { Server } from '../server/index.ts';
import { loadReport, loadReportWithReference, parseLoadArgs as parseArgs, writeLoadReport } from '../load/main.ts';
import { type LoadReport, referenceLines, reportText } from '../load/loadReport.ts';
import type { WindowFigures } from '../load/loadFigures.ts';
import type { LoadOptions } from '../load/runLoad.ts';
import { BIGWORLD_ENTITIES } from '../bench/scenarios/bigworld.ts';

/** The checkout's command line, parsed. */
const parseLoadArgs = (args: readonly string[]): ReturnType<typeof parseArgs> => parseArgs(args, CHECKOUT_SETUP);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Every number reachable in `value` (paths for failure messages). */
function numbers(value: unknown, path = '$', out: [string, number][] = []): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) numbers(v, `${path}[${i}]`, out);
  } else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) numbers(v, `${path}.${k}`, out);
  return out;
}

describe('load test bots', () => {
  it('encode Ack and Input exactly as encodeMessage does', () => {
    const scratch = new Uint8Array(64);
    const cases: [number, number, number[]][] = [
      [0, 0, [0, 100]],
      [127, 128, [200, 137]],
      [70_000, 65_535, [5, 255]],
      [2 ** 31 - 1, 2 ** 32 - 1, [-1, -200]],
    ];
    for (const [seq, viewTick, values] of cases) {
      assert.equal(
        hex(scratch.subarray(0, writeInputMessage(scratch, seq, viewTick, values))),
        hex(encodeMessage({ kind: MsgKind.Input, seq, viewTick, values })),
      );
      assert.equal(
        hex(scratch.subarray(0, writeAckMessage(scratch, viewTick))),
        hex(encodeMessage({ kind: MsgKind.Ack, tick: viewTick })),
      );
    }
  });

  it('parse the Snapshot envelope and reject anything else', () => {
    const env = emptyEnvelope();
    const body = new Uint8Array([1, 2, 3]);
    for (const [tick, baseTick, lastInputSeq] of [
      [5, -1, -1],
      [300, 299, 70_000],
      [2 ** 31, 2 ** 31 - 2, 2 ** 31 - 1],
    ] as const) {
      const frame = encodeMessage({ kind: MsgKind.Snapshot, tick, baseTick, lastInputSeq, body });
      assert.equal(parseSnapshotEnvelope(frame, env), true);
      assert.deepEqual(
        [
          env.tick,
          env.baseTick,
          env.lastInputSeq,
          hex(frame.subarray(env.bodyOffset, env.bodyOffset + env.bodyLength)),
        ],
        [tick, baseTick, lastInputSeq, hex(body)],
      );
      assert.equal(parseSnapshotEnvelope(frame.subarray(0, frame.byteLength - 1), env), false);
    }
    assert.equal(
      parseSnapshotEnvelope(
        encodeMessage({ kind: MsgKind.Pong, clientTimeMs: 1, serverTimeMs: 2, serverTick: 3 }),
        env,
      ),
      false,
    );
  });

  it('parse the CLI options and reject bad ones', () => {
    const parsed = parseLoadArgs(['--clients', '50', '--tick-rate', '30', '--ramp', '--scenario', 'arena-jitter']);
    assert.ok(parsed !== null);
    assert.equal(parsed.options.clients, 50);
    assert.equal(parsed.options.tickRateHz, 30);
    assert.equal(parsed.options.ramp, true);
    assert.equal(parsed.options.scenario, 'arena-jitter');
    assert.equal(parseLoadArgs(['--help']), null);
    assert.throws(() => parseLoadArgs(['--tick-rate', '500']), /--tick-rate/);
    assert.throws(() => parseLoadArgs(['--scenario', 'nope']), /--scenario/);
    assert.throws(() => parseLoadArgs(['--url', 'ftp://example.com']), /--url/);
    assert.throws(() => parseLoadArgs(['--url', 'http://127.0.0.1:1/matchmake', '--schema', 'x.ts']), /--join TYPE/);
    assert.equal(parseLoadArgs([])?.options.transport, 'auto');
    assert.equal(parseLoadArgs(['--transport', 'ws'])?.options.transport, 'ws');
    assert.throws(() => parseLoadArgs(['--transport', 'tcp']), /--transport/);
    assert.throws(() => parseLoadArgs(['--transport', 'ws', '--url', 'ws://127.0.0.1:1/']), /--transport/);
  });

  it('default the big world to its 10,000 units and its reference to 100', () => {
    assert.equal(parseLoadArgs(['--scenario', 'bigworld'])?.options.entities, BIGWORLD_ENTITIES);
    assert.equal(parseLoadArgs(['--scenario', 'bigworld-all'])?.options.entities, 100);
    assert.equal(parseLoadArgs(['--scenario', 'bigworld', '--entities', '2000'])?.options.entities, 2000);
    assert.throws(() => parseLoadArgs(['--scenario', 'bigworld', '--entities', '-1']), /--entities/);
  });

  it('take --compare only with the big world, without --ramp or --url', () => {
    assert.equal(parseLoadArgs(['--scenario', 'bigworld', '--compare'])?.compare, true);
    assert.equal(parseLoadArgs(['--scenario', 'bigworld'])?.compare, false);
    assert.throws(() => parseLoadArgs(['--compare']), /--compare/);
    assert.throws(() => parseLoadArgs(['--scenario', 'bigworld-all', '--compare']), /--compare/);
    assert.throws(() => parseLoadArgs(['--scenario', 'bigworld', '--compare', '--ramp']), /--compare/);
    assert.throws(
      () => parseLoadArgs(['--scenario', 'bigworld', '--compare', '--url', 'ws://127.0.0.1:1/']),
      /--compare|say what to load/,
    );
  });

  it(
    'judge a big world’s bytes and CPU per client per snapshot against the all-visible reference, ' + 'each on its own',
    () => {
      const window = (payload: number, wire: number, cpuUser: number, cpuKernel: number): WindowFigures =>
        ({
          clients: 1000,
          client: { payloadBytesPerSnapshot: payload, wireBytesPerSnapshot: wire },
          server: {
            cpuUsPerClientSnapshot: cpuUser + cpuKernel,
            cpuUserUsPerClientSnapshot: cpuUser,
            cpuSystemUsPerClientSnapshot: cpuKernel,
            tickP99Ms: 13,
            tickBudgetMs: 16.67,
            stepHandlerMsPerTick: 0.01,
          },
        }) as unknown as WindowFigures;
      const reference = window(150, 200, 5, 7);
      const [bytes, cpu, note] = referenceLines(window(160, 215, 6, 6.5), reference);
      assert.match(bytes!, /^ok {3}bytes .*: \+6\.7 %, \+7\.5 % \(target within 10 %/);
      assert.match(
        cpu!,
        /^ok {3}server CPU per client per snapshot: 12\.5 µs \(6 user \+ 6\.5 kernel\) against 12 \(5 \+ 7\): \+4\.2 %/,
      );
      assert.match(note!, /reference's own tick p99 was 13 ms = 78 %/);
      const [bytesOver, cpuOver] = referenceLines(window(150, 230, 12, 7), reference);
      assert.match(bytesOver!, /^MISS bytes .*\+0 %, \+15 %/);
      assert.match(cpuOver!, /^MISS server CPU .*\+58\.3 %/);
    },
  );
});

/**
 * Runs a load test quietly and checks what every run must give: one finished step, finite figures, server figures, no
 * disconnects.
 */
async function smokeRun(options: LoadOptions): Promise<{
  report: LoadReport;
  step: LoadReport['steps'][number] & { server: NonNullable<LoadReport['steps'][number]['server']> };
}> {
  const report = await loadReport(options, { log: () => {} });
  assert.equal(report.interrupted, false);
  assert.equal(report.steps.length, 1);
  const step = report.steps[0]!;
  for (const [path, v] of numbers(step)) assert.ok(Number.isFinite(v), `${path} is ${v}`);
  assert.ok(step.server !== null, 'server figures are present');
  assert.equal(step.client.disconnects, 0, `no disconnects: ${JSON.stringify(step.client.closeCodes)}`);
  return { report, step: { ...step, server: step.server } };
}

describe('load test smoke run', () => {
  it('joins a running server through matchmaking (--url …/matchmake --join TYPE): rooms fill to capacity', {
    timeout: 90_000,
  }, async () => {
    const server = new Server({ transport: 'ws', tickRateHz: 30, logger: { warn() {}, error() {} } });
    const type = arenaRoomType({ scenario: 'arena', entities: 20, tickRateHz: 30 });
    const joins = new Map<string, number>();
    const onJoin = type.handlers.onJoin;
    server.define('arena', {
      ...type,
      maxClients: 4,
      closeWhenEmpty: false,
      handlers: {
        ...type.handlers,
        onJoin(room, client, options) {
          joins.set(room.id, (joins.get(room.id) ?? 0) + 1);
          onJoin?.call(this, room, client, options);
        },
      },
    });
    const { port } = await server.listen(0, '127.0.0.1');
    try {
      const parsed = parseLoadArgs([
        ...['--url', `http://127.0.0.1:${port}/matchmake`, '--join', 'arena'],
        ...['--schema', join(import.meta.dirname, '../bench/loadScenarios/arena.ts')],
        ...['--clients', '10', '--tick-rate', '30', '--duration', '2', '--settle', '1', '--bot-procs', '1'],
      ]);
      assert.ok(parsed !== null);
      const report = await loadReport(parsed.options, { log: () => {} });
      const step = report.steps[0]!;
      assert.equal(step.minConnected, 10, `every bot joined: ${JSON.stringify(step.client.closeCodes)}`);
      assert.ok(step.client.snapshotsPerClientPerSec > 0, 'snapshots were received');
      assert.deepEqual(
        [...joins.values()].sort((a, b) => b - a),
        [4, 4, 2],
        'the matchmaker filled rooms of 4 in turn',
      );
    } finally {
      await server.close();
    }
  });

  it('runs 50 light clients for 5 s on arena E=100 at 60 Hz and reports every figure', {
    timeout: 90_000,
  }, async () => {
    const parsed = parseLoadArgs([
      '--clients',
      '50',
      '--tick-rate',
      '60',
      '--entities',
      '100',
      '--duration',
      '5',
      '--settle',
      '1',
      '--bot-procs',
      '1',
    ]);
    assert.ok(parsed !== null);
    const { report, step } = await smokeRun(parsed.options);
    assert.equal(step.clients, 50);
    assert.equal(step.minConnected, 50, 'every client stayed connected');
    assert.ok(step.client.snapshotsPerClientPerSec > 0, 'snapshots were received');
    assert.ok(
      step.client.payloadBytesPerClientPerSec > 0 &&
        step.client.wireBytesPerClientPerSec > step.client.payloadBytesPerClientPerSec,
    );
    assert.ok(step.client.decodedSnapshots > 0, 'sampling bots decoded snapshots');
    assert.equal(step.client.decodeFailures, 0, 'every sampled snapshot decoded');
    assert.ok(step.server.snapshotsSent > 0);
    assert.ok(step.server.cpuUsPerClientSnapshot > 0);
    assert.ok(report.timeSeries.length >= 5);
    assert.ok(report.machine.node.startsWith('v') && report.machine.cores > 0 && report.machine.cpu !== '');
    assert.equal(typeof report.verdict.summary, 'string');

    const dir = mkdtempSync(join(tmpdir(), 'tickwave-load-'));
    try {
      const paths = writeLoadReport(report, join(dir, 'load.json'));
      assert.ok(existsSync(paths.json) && existsSync(paths.html));
      assert.equal(JSON.parse(readFileSync(paths.json, 'utf8')).benchmark, 'load');
      const html = readFileSync(paths.html, 'utf8');
      assert.equal(html.match(/<svg /g)?.length, 9, 'nine plots');
      assert.ok(!/<script|https?:\/\//.test(html), 'no script, nothing fetched: one offline file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs 20 light clients for 3 s on the big world (E=2000, interest on) and reports what a client sees', {
    timeout: 90_000,
  }, async () => {
    const parsed = parseLoadArgs([
      '--scenario',
      'bigworld',
      '--clients',
      '20',
      '--entities',
      '2000',
      '--duration',
      '3',
      '--settle',
      '1',
      '--bot-procs',
      '1',
    ]);
    assert.ok(parsed !== null);
    const { report, step } = await smokeRun(parsed.options);
    assert.equal(step.minConnected, 20, 'every client stayed connected');
    assert.ok(step.client.decodedSnapshots > 0, 'a sampling bot decoded snapshots with the big world schema');
    assert.equal(step.client.decodeFailures, 0, 'every sampled snapshot decoded');
    assert.ok(
      step.client.payloadBytesPerSnapshot > 0 && step.client.wireBytesPerSnapshot > step.client.payloadBytesPerSnapshot,
    );
    assert.ok(step.server.cpuUsPerClientSnapshot > 0);
    assert.ok(step.server.seenPerClient !== null && step.server.seenPerClient > 0, 'clients see units');
    assert.ok(step.server.seenPerClient < 2000, 'but not the whole world');
    assert.ok(step.server.entitiesSentPerSnapshot !== null && step.server.entitiesSentPerSnapshot > 0);
    assert.ok(step.server.deferredShare !== null);
    assert.match(reportText(report), /per client per snapshot/);
  });

  it('with --compare runs the all-visible reference first and judges the big world against it', {
    timeout: 120_000,
  }, async () => {
    const parsed = parseLoadArgs([
      '--scenario',
      'bigworld',
      '--compare',
      '--clients',
      '10',
      '--entities',
      '2000',
      '--duration',
      '2',
      '--settle',
      '1',
      '--bot-procs',
      '1',
    ]);
    assert.ok(parsed?.compare);
    const { reference, report } = await loadReportWithReference(parsed.options, CHECKOUT_SETUP, { log: () => {} });
    assert.equal(reference.parameters.scenario, 'bigworld-all');
    assert.equal(reference.parameters.entities, 100);
    assert.equal(reference.parameters.clients, 10);
    assert.ok(report !== null);
    assert.equal(report.parameters.scenario, 'bigworld');
    assert.deepEqual(report.reference, reference.steps.at(-1));
    assert.equal(reference.steps[0]!.server?.seenPerClient, 100, 'the reference shows every unit');
    const text = reportText(report);
    assert.match(text, /^(ok {2}|MISS) bytes per client per snapshot: .* against /m);
    assert.match(text, /^(ok {2}|MISS) server CPU per client per snapshot: .* against /m);
  });
});
