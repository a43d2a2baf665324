// The packed package's `tickwave-load` bin, installed the way a game's server project installs tickwave
// (with ws, and tsx for its TypeScript), runs short load tests against a room module written here — a schema
// the tool has never seen, with a custom bot — and writes a complete report; the exit code says held or not.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const repo = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  overrides: Record<string, string>;
};
const quiet = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

/** A game the load tester has never seen: gems on a strip, each player steers one with a lane and a power. */
const ROOM_TS = `
import { writeFileSync } from 'node:fs';
import { defineSchema, t } from 'tickwave/shared';
import { defineRoom } from 'tickwave/server';
import { defineBot } from 'tickwave/load';

export const schema = defineSchema({
  entities: { gem: { pos: t.float({ min: -50, max: 50, step: 0.5 }), lane: t.enum(['top', 'mid', 'low']) } },
  input: { lane: t.enum(['top', 'mid', 'low']), power: t.uint(4) },
});

const seen = { bot: 0, other: 0 };
// The bot processes import this module too (for the schema and the bot): only the server has inputs to write.
process.on('exit', () => {
  if (seen.bot + seen.other > 0) writeFileSync(new URL('./inputs.json', import.meta.url), JSON.stringify(seen));
});

export const room = (params: { entities: number; tickRateHz: number }) =>
  defineRoom(schema, {
    maxClients: 1000,
    closeWhenEmpty: false,
    onCreate(r) {
      for (let i = 0; i < params.entities; i++) r.spawn('gem', { pos: i - 25, lane: 'mid' });
    },
    onJoin(r, client) {
      client.entityId = r.spawn('gem', { pos: 0, lane: 'top' }).id;
    },
    onInput(r, client, input) {
      if (input.power === 7) seen.bot++;
      else seen.other++;
      const gem = r.get(client.entityId, 'gem');
      if (gem !== undefined) {
        gem.lane = input.lane;
        gem.pos = Math.max(-50, Math.min(50, gem.pos + (input.power - 7) * 0.5));
      }
    },
    onLeave(r, client) {
      r.despawn(client.entityId);
    },
  });

export const bot = defineBot({
  schema,
  input: (view, tick) => ({ lane: (['top', 'mid', 'low'] as const)[(view.index + tick) % 3]!, power: 7 }),
});
`;

/** The summary `--json` prints. */
interface Summary {
  held: boolean;
  clients: number;
  verdict: string;
  recommendation: string;
  clientsPerCore: number | null;
  report: { json: string; html: string };
}

describe('the packed tickwave-load bin', () => {
  let work: string;
  let app: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tickwave-load-pack-'));
    const pack = [join(root, 'scripts/pack.mjs'), '--json', '--pack-destination', work];
    const out = JSON.parse(execFileSync(process.execPath, pack, { cwd: root, encoding: 'utf8', env: quiet })) as {
      filename: string;
    }[];
    app = join(work, 'game');
    mkdirSync(app);
    const manifest = {
      name: 'gems',
      private: true,
      type: 'module',
      dependencies: { tickwave: `file:${join(work, out[0]!.filename)}`, ws: repo.devDependencies['ws'] },
      devDependencies: { tsx: repo.devDependencies['tsx'] },
      overrides: repo.overrides,
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    const install = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
    execFileSync(npm, install, { cwd: app, env: quiet, stdio: ['ignore', 'pipe', 'pipe'] });
    writeFileSync(join(app, 'room.ts'), ROOM_TS);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  /** Runs the installed bin in the game's folder; its exit code, JSON summary and stderr. */
  function load(args: string[]): { status: number | null; summary: Summary; stderr: string } {
    const bin = join(app, 'node_modules/.bin/tickwave-load');
    const common = ['--clients', '6', '--duration', '2', '--settle', '1', '--bot-procs', '1', '--json'];
    const result = spawnSync(bin, [...args, ...common], { cwd: app, encoding: 'utf8', env: quiet, timeout: 90_000 });
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, `one JSON line on stdout:\n${result.stdout}\n${result.stderr}`);
    return { status: result.status, summary: JSON.parse(lines[0]!) as Summary, stderr: result.stderr };
  }

  it('runs the room module with its bot, says held with exit 0, and writes a complete report', () => {
    const { status, summary, stderr } = load(['--room', './room.ts', '--entities', '20', '--max-latency', '5000']);
    assert.equal(status, 0, stderr);
    assert.equal(summary.held, true);
    assert.equal(summary.clients, 6);
    assert.match(summary.verdict, /^HELD: 60 Hz with 6 clients within your budget/);
    assert.match(summary.recommendation, /^holds about \d+ clients per core at 60 Hz with 30 % headroom/);
    assert.ok(summary.clientsPerCore !== null && summary.clientsPerCore > 0);
    const inputs = JSON.parse(readFileSync(join(app, 'inputs.json'), 'utf8')) as { bot: number; other: number };
    assert.ok(inputs.bot > 0, 'the room got the bot’s inputs');
    assert.equal(inputs.other, 0, 'and only those');

    const report = JSON.parse(readFileSync(summary.report.json, 'utf8')) as {
      command: string;
      machine: { tickwave: string; node: string };
      steps: { clients: number; client: { disconnects: number; decodeFailures: number; decodedSnapshots: number } }[];
      timeSeries: unknown[];
    };
    assert.match(report.command, /^tickwave-load --room \.\/room\.ts/);
    assert.equal(report.machine.tickwave, '0.1.0');
    assert.equal(report.steps.length, 1);
    assert.equal(report.steps[0]!.client.disconnects, 0);
    assert.equal(report.steps[0]!.client.decodeFailures, 0);
    assert.ok(report.steps[0]!.client.decodedSnapshots > 0, 'a sampling bot decoded the unseen schema');
    assert.ok(report.timeSeries.length >= 3);
    const html = readFileSync(summary.report.html, 'utf8');
    for (const heading of ['Server (each measurement window)', 'Clients (per client', 'Recommendation:', 'Budget:'])
      assert.ok(html.includes(heading), heading);
    for (const plot of ['Tick time', 'Bandwidth', 'CPU', 'RSS', 'event-loop', 'Input-to-ack', 'jitter', 'Disconnects'])
      assert.ok(html.includes(plot), `plot ${plot}`);
    assert.ok(!/<script|https?:\/\//.test(html), 'one offline file');
  });

  it('uses random valid inputs without a bot, says not held with exit 1 when the budget is missed, new names', () => {
    writeFileSync(join(app, 'nobot.mjs'), "export { schema, room } from './room.ts';\n");
    const { status, summary } = load(['--room', './nobot.mjs', '--max-latency', '1']);
    assert.equal(status, 1);
    assert.equal(summary.held, false);
    assert.match(summary.verdict, /^NOT HELD at 6 clients and 60 Hz: input-to-ack p99 [\d.]+ ms is over the 1 ms/);
    const inputs = JSON.parse(readFileSync(join(app, 'inputs.json'), 'utf8')) as { bot: number; other: number };
    assert.ok(inputs.other > 0, 'random inputs reached the room');
    const reports = readdirSync(join(app, 'tickwave-load')).filter((f) => f.endsWith('.json'));
    assert.equal(reports.length, 2, `one report per run: ${reports.join(', ')}`);
  });

  it('says what it needs: a schema module for --url, a room export for --room', () => {
    const bin = join(app, 'node_modules/.bin/tickwave-load');
    const url = spawnSync(bin, ['--url', 'ws://127.0.0.1:9/'], { cwd: app, encoding: 'utf8', env: quiet });
    assert.equal(url.status, 2);
    assert.match(url.stderr, /--url needs the server's schema: --schema/);
    writeFileSync(join(app, 'schemaOnly.mjs'), "export { schema } from './room.ts';\n");
    const noRoom = spawnSync(bin, ['--room', './schemaOnly.mjs', '--clients', '1', '--duration', '1'], {
      cwd: app,
      encoding: 'utf8',
      env: quiet,
    });
    assert.equal(noRoom.status, 2);
    assert.match(noRoom.stderr, /exports no room: export const room = defineRoom/);
  });
});
