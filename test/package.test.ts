// The published shape of Tickwave: pack it (scripts/pack.mjs, the cleaned package.json), install the
// tarball into fresh projects with npm (tarballs come from the npm cache `npm ci` filled; the few
// package documents npm ci never fetches come from the registry), and check two consumers:
// - a browser game (`tickwave` + `pixi.js`) gets no server packages (uWS, ws, prom-client) and stays small;
//   it can still load `tickwave/server` (metrics off without prom-client);
// - a server following the README's install command typechecks a consumer of every entry point and
//   runs a server and a Node client end to end.
// Also: a browser bundle of `tickwave/client` has no Node code.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  overrides: Record<string, string>;
  exports: Record<string, Record<string, string>>;
  scripts?: Record<string, string>;
}
const repoPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
/** The packages only a server needs: a client-only install must not have any of them. */
const SERVER_ONLY = ['uWebSockets.js', 'ws', 'prom-client', 'bufferutil', 'utf-8-validate'];
/** The README's server install, with the versions this repo tests (its devDependencies). */
const SERVER_PACKAGES = ['uWebSockets.js', 'ws', 'prom-client'];
/** Ceiling for a client-only install without pixi.js, bytes (tickwave, msgpackr and its optional native add-on). */
const CLIENT_ONLY_MAX_BYTES = 30 * 1024 * 1024;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
  });
}

/**
 * Creates a project with these dependencies (and the repo's overrides: see TOOLCHAIN.md on
 * msgpackr-extract) and installs it. `--prefer-offline` takes every tarball and document the npm cache
 * has without asking the registry; only what the cache lacks is fetched.
 */
type Deps = Record<string, string>;
function installProject(dir: string, dependencies: Deps, devDependencies: Deps = {}): void {
  mkdirSync(dir, { recursive: true });
  const { overrides } = repoPackage;
  const manifest = { name: 'consumer', private: true, type: 'module', dependencies, devDependencies, overrides };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
}

/** Total bytes of the files under `path` (symbolic links not followed). */
function bytesUnder(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  let total = 0;
  for (const name of readdirSync(path)) total += bytesUnder(join(path, name));
  return total;
}

/** The installed packages `name` needs (itself, dependencies and optional dependencies that are installed). */
function closureOf(name: string, packages: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const visit = (dep: string): void => {
    if (seen.has(dep) || !packages.has(dep)) return;
    seen.add(dep);
    for (const dir of packages.get(dep)!) {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest & {
        optionalDependencies?: Deps;
      };
      for (const next of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(next);
    }
  };
  visit(name);
  return seen;
}

/** Every installed package of a project, nested ones too: name → directory. */
function installedPackages(app: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const visit = (modules: string): void => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((n) => `${entry}/${n}`) : [entry];
      for (const name of dirs) {
        const dir = join(modules, name);
        found.set(name, [...(found.get(name) ?? []), dir]);
        visit(join(dir, 'node_modules'));
      }
    }
  };
  visit(join(app, 'node_modules'));
  return found;
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

const schema = defineSchema({
  entities: { dot: { x: t.float({ min: 0, max: 100, step: 0.01 }) } },
  input: { right: t.bool() },
});
const server = new Server({ tickRateHz: 30, logger: { info() {}, warn() {}, error() {} } });
server.define('game', defineRoom(schema, {
  onJoin(room, client) { client.entityId = room.spawn('dot', { x: 42.5 }).id; },
}));
const { port } = await server.listen(0, '127.0.0.1');
const client = new TickwaveClient(schema, {
  url: 'ws://127.0.0.1:' + port + '/',
  socketFactory: wsSocketFactory(),
  room: 'game',
});
const done = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no snapshot with the player in 10 s')), 10000);
  client.onSnapshot((snapshot) => {
    if (client.welcome && snapshot.count > 0) { clearTimeout(timer); resolve(snapshot); }
  });
});
client.connect();
const snapshot = await done;
const uws = await import('uWebSockets.js').then((m) => typeof m.default.getParts === 'function', () => false);
const transport = server.transport?.constructor?.name ?? null;
console.log(JSON.stringify({ entities: snapshot.count, entityId: client.welcome.entityId, uwsNative: uws, transport }));
client.close();
await server.close();
`;

/** A browser game's install loads the client, and the server entry point without any server package. */
const CLIENT_ONLY_RUN = `
import { defineSchema, t } from 'tickwave/shared';
import { TickwaveClient } from 'tickwave/client';
import { Server, ServerMetrics } from 'tickwave/server';

const schema = defineSchema({ entities: { dot: { x: t.float({ min: 0, max: 100, step: 0.01 }) } }, input: {} });
const metrics = new ServerMetrics();
metrics.flush(1, 1, 30);
const { body } = await metrics.render();
const server = new Server({ logger: { info() {}, warn() {}, error() {} } });
let listenError = null;
try {
  await server.listen(0, '127.0.0.1');
} catch (err) {
  listenError = String(err instanceof Error ? err.message : err);
}
await server.close();
const metricsEnabled = metrics.enabled;
const client = typeof TickwaveClient;
console.log(JSON.stringify({ client, schema: typeof schema, metricsEnabled, body, listenError }));
`;

describe('the npm package', () => {
  let work: string;
  let tarball: string;
  let packed: Manifest;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tickwave-pack-'));
    const pack = [join(root, 'scripts/pack.mjs'), '--json', '--pack-destination', work];
    const out = JSON.parse(run(process.execPath, pack, root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, out[0]!.filename);
    const files = out[0]!.files.map((f) => f.path);
    assert.ok(
      files.includes('dist/server/index.js') && files.includes('dist/server/index.d.ts'),
      'compiled server entry',
    );
    assert.ok(
      files.includes('dist/client/pixi/index.js') && files.includes('dist/client/node/index.d.ts'),
      'compiled client entries',
    );
    // The game template `npx tickwave init` copies is TypeScript source by design (init/template/).
    const source = (f: string): boolean => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('init/template/');
    const foreign = files.filter((f) => /^(demo|bench|test|examples|scripts)\//.test(f) || source(f));
    assert.deepEqual(foreign, [], 'nothing of the demo, tests, bench, scripts or sources');
    run('tar', ['-xzf', tarball, '-C', work], work);
    const text = readFileSync(join(work, 'package/package.json'), 'utf8');
    assert.ok(!text.includes('tickwave-source'), 'the published package.json has no repo-only export condition');
    packed = JSON.parse(text) as Manifest;
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('publishes a cleaned package.json: server packages are optional peers, and the repo is untouched', () => {
    assert.deepEqual(Object.keys(packed.dependencies ?? {}), ['msgpackr'], 'msgpackr is the only dependency');
    for (const name of SERVER_PACKAGES) {
      assert.ok(packed.peerDependencies?.[name] !== undefined, `${name} is a peer dependency`);
      assert.equal(packed.peerDependenciesMeta?.[name]?.optional, true, `${name} is an optional peer`);
      assert.ok(repoPackage.devDependencies[name] !== undefined, `${name} is a devDependency of the repo`);
    }
    assert.equal(packed.scripts, undefined, 'no scripts (the repo prepack hook refuses a root pack)');
    assert.deepEqual(Object.keys(packed.exports), Object.keys(repoPackage.exports), 'the same entry points');
    for (const [entry, conditions] of Object.entries(packed.exports)) {
      assert.deepEqual(Object.keys(conditions), ['types', 'default'], `${entry}: types and default only`);
    }
    const repoNow = readFileSync(join(root, 'package.json'), 'utf8');
    assert.ok(repoNow.includes('"tickwave-source"'), 'the repo package.json keeps its condition');
  });

  it('publishes declarations that need none of the optional peers installed (uWS, ws, prom-client)', () => {
    const declarations: string[] = [];
    const visit = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (lstatSync(path).isDirectory()) visit(path);
        else if (name.endsWith('.d.ts')) declarations.push(path);
      }
    };
    visit(join(work, 'package/dist'));
    // The loaders of uWS and ws are @internal, and the build strips @internal (tsconfig.build.json), so a
    // TypeScript server on one transport (or without prom-client) compiles without the others' types.
    for (const pkg of ['uWebSockets\\.js', 'ws', 'prom-client']) {
      const pattern = new RegExp(`from ['"]${pkg}['"]|import\\(['"]${pkg}['"]\\)`);
      const importing = declarations.filter((file) => pattern.test(readFileSync(file, 'utf8')));
      assert.deepEqual(
        importing.map((f) => f.slice(work.length + 1)),
        [],
        `declarations importing ${pkg}`,
      );
    }
  });

  it('installs for a browser game (tickwave + pixi.js) without any server package, small', (t) => {
    const app = join(work, 'client-app');
    installProject(app, { tickwave: `file:${tarball}`, 'pixi.js': repoPackage.devDependencies['pixi.js']! });
    const packages = installedPackages(app);
    const serverOnly = SERVER_ONLY.filter((name) => packages.has(name));
    assert.deepEqual(serverOnly, [], 'no server-only package installed');
    const bytesOf = (dirs: string[]): number => dirs.reduce((n, dir) => n + bytesUnder(dir), 0);
    const sizes = [...packages].map(([name, dirs]) => ({ name, bytes: bytesOf(dirs) }));
    sizes.sort((a, b) => b.bytes - a.bytes);
    const total = bytesUnder(join(app, 'node_modules'));
    const pixi = sizes.find((p) => p.name === 'pixi.js')?.bytes ?? 0;
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    t.diagnostic(`client-only node_modules: ${mb(total)} in ${packages.size} packages`);
    t.diagnostic(`client-only node_modules without pixi.js: ${mb(total - pixi)}`);
    t.diagnostic(`packages: ${sizes.map((p) => `${p.name} ${(p.bytes / 1024).toFixed(0)} kB`).join(', ')}`);
    const own = closureOf('tickwave', packages);
    const ownBytes = sizes.filter((p) => own.has(p.name)).reduce((n, p) => n + p.bytes, 0);
    t.diagnostic(`tickwave and its dependencies: ${mb(ownBytes)} (${[...own].sort().join(', ')})`);
    assert.ok(total - pixi < CLIENT_ONLY_MAX_BYTES, `client-only install without pixi.js is ${mb(total - pixi)}`);

    writeFileSync(join(app, 'run.mjs'), CLIENT_ONLY_RUN);
    const result = JSON.parse(run(process.execPath, ['run.mjs'], app).trim()) as {
      client: string;
      metricsEnabled: boolean;
      body: string;
      listenError: string | null;
    };
    assert.equal(result.client, 'function');
    assert.equal(result.metricsEnabled, false, 'metrics are off without prom-client');
    assert.match(result.body, /prom-client/, 'GET /metrics names the missing package');
    assert.ok(result.listenError !== null, 'listen fails without a transport package');
    assert.match(result.listenError, /uWebSockets\.js|\bws\b/, `the error names a transport: ${result.listenError}`);
  });

  it('installs for a server per the README, typechecks a consumer of every entry point, and runs', (t) => {
    const app = join(work, 'server-app');
    const server = Object.fromEntries(SERVER_PACKAGES.map((name) => [name, repoPackage.devDependencies[name]!]));
    installProject(
      app,
      { tickwave: `file:${tarball}`, 'pixi.js': repoPackage.devDependencies['pixi.js']!, ...server },
      { '@types/node': repoPackage.devDependencies['@types/node']! },
    );
    const packages = installedPackages(app);
    for (const name of SERVER_PACKAGES) assert.ok(packages.has(name), `${name} installed`);
    writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
    const compilerOptions = {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      types: ['node'],
      lib: ['es2022', 'dom'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['consumer.ts'] }));
    run(process.execPath, [join(root, 'node_modules/typescript-native/bin/tsc'), '-p', app], app);
    writeFileSync(join(app, 'run.mjs'), CONSUMER_RUN);
    const result = JSON.parse(run(process.execPath, ['run.mjs'], app).trim()) as {
      entities: number;
      entityId: number;
      uwsNative: boolean;
      transport: string | null;
    };
    t.diagnostic(`Node ${process.version}: uWS binary loaded: ${result.uwsNative}; transport: ${result.transport}`);
    assert.equal(result.entities, 1);
    assert.ok(result.entityId >= 0);
    if (process.versions.modules === '115') assert.equal(result.uwsNative, true, 'the installed uWS runs on Node 20');
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
