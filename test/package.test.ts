// The published shape of Tickwave: pack it, install the tarball into a fresh project offline (from the
// tarball and the local npm cache), typecheck a consumer of every entry point, and run a server and a
// Node client from the installed package. Also: a browser bundle of `tickwave/client` has no Node code.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  overrides: Record<string, string>;
};

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

const CONSUMER_TS = `
import { defineSchema, t, type EntityOf, type InputOf } from 'tickwave/shared';
import { defineRoom, Server, type RoomClient } from 'tickwave/server';
import { TickwaveClient, type ClientStats } from 'tickwave/client';
import { wsSocketFactory } from 'tickwave/client/node';
import * as pixiViews from 'tickwave/client/pixi';

export const schema = defineSchema({
  entities: { dot: { x: t.float({ min: 0, max: 100, step: 0.01 }), label: t.string({ maxBytes: 8 }) } },
  input: { right: t.bool() },
});
type Dot = EntityOf<typeof schema, 'dot'>;
const dot: Dot = { x: 1, label: 'a' };
const input: InputOf<typeof schema> = { right: true };
export const room = defineRoom(schema, {
  onJoin(r, client: RoomClient) { client.entityId = r.spawn('dot', dot).id; },
  onInput(r, client, i) { const d = r.get(client.entityId, 'dot'); if (d && i.right) d.x += 1; },
});
export function makeClient(url: string): TickwaveClient<typeof schema> {
  return new TickwaveClient(schema, { url, socketFactory: wsSocketFactory() });
}
export const used: unknown[] = [Server, input, pixiViews];
export type Stats = ClientStats;
`;

const CONSUMER_RUN = `
import { defineSchema, t } from 'tickwave/shared';
import { defineRoom, Server } from 'tickwave/server';
import { TickwaveClient } from 'tickwave/client';
import { wsSocketFactory } from 'tickwave/client/node';

const schema = defineSchema({ entities: { dot: { x: t.float({ min: 0, max: 100, step: 0.01 }) } }, input: { right: t.bool() } });
const server = new Server({ tickRateHz: 30, logger: { info() {}, warn() {}, error() {} } });
server.define('game', defineRoom(schema, {
  onJoin(room, client) { client.entityId = room.spawn('dot', { x: 42.5 }).id; },
}));
const { port } = await server.listen(0, '127.0.0.1');
const client = new TickwaveClient(schema, { url: 'ws://127.0.0.1:' + port + '/', socketFactory: wsSocketFactory(), room: 'game' });
const done = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no snapshot with the player in 10 s')), 10000);
  client.onSnapshot((snapshot) => {
    if (client.welcome && snapshot.count > 0) { clearTimeout(timer); resolve(snapshot); }
  });
});
client.connect();
const snapshot = await done;
console.log(JSON.stringify({ entities: snapshot.count, entityId: client.welcome.entityId }));
client.close();
await server.close();
`;

describe('the npm package', () => {
  let work: string;
  let tarball: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tickwave-pack-'));
    const packed = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', work], root)) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, packed[0]!.filename);
    const files = packed[0]!.files.map((f) => f.path);
    assert.ok(files.includes('dist/server/index.js') && files.includes('dist/server/index.d.ts'), 'compiled server entry');
    assert.ok(files.includes('dist/client/pixi/index.js') && files.includes('dist/client/node/index.d.ts'), 'compiled client entries');
    assert.ok(!files.some((f) => /^(demo|bench|test|examples)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')), `nothing of the demo, tests, bench or sources: ${files.filter((f) => !f.startsWith('dist/'))}`);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('installs offline into a fresh project, typechecks a consumer of every entry point, and runs', () => {
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: { tickwave: `file:${tarball}`, 'pixi.js': repoPackage.devDependencies['pixi.js'] },
        devDependencies: { '@types/node': repoPackage.devDependencies['@types/node'] },
        overrides: repoPackage.overrides,
      }),
    );
    run(npm, ['install', '--offline', '--no-audit', '--no-fund'], app);
    writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: ['node'], lib: ['es2022', 'dom'] }, include: ['consumer.ts'] }),
    );
    run(process.execPath, [join(root, 'node_modules/typescript-native/bin/tsc'), '-p', app], app);
    writeFileSync(join(app, 'run.mjs'), CONSUMER_RUN);
    const result = JSON.parse(run(process.execPath, ['run.mjs'], app).trim()) as { entities: number; entityId: number };
    assert.equal(result.entities, 1);
    assert.ok(result.entityId >= 0);
  });

  it('bundles tickwave/client for browsers without uWebSockets.js or node: imports', async () => {
    const { build } = await import('esbuild');
    const out = await build({
      stdin: { contents: "export * from 'tickwave/client';", resolveDir: root, loader: 'ts' },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      conditions: ['tickwave-source'],
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    assert.ok(code.length > 10_000, 'the bundle has the client in it');
    assert.ok(!code.includes('uWebSockets'), 'no uWS in the browser bundle');
    assert.ok(!/from\s*["']node:|require\(["']node:/.test(code), 'no node: imports in the browser bundle');
    assert.ok(!/["'](ws|prom-client)["']/.test(code), 'no Node-only packages in the browser bundle');
  });
});
