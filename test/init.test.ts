// `npx tickwave init` from the published package: pack the tarball (scripts/pack.mjs), install it into an
// empty project, scaffold a game with its bin, install the game (tarballs from the npm cache `npm ci`
// filled, as test/package.test.ts does) and run the game's own `npm test`: tsc, a Vite build and its
// end-to-end test, two players in headless Chromium (/usr/bin/chromium; CHROMIUM_PATH overrides).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const CHROMIUM = '/usr/bin/chromium';

/** The environment of the commands: without this runner's NODE_TEST_CONTEXT, so the game's own runner reports. */
const { NODE_TEST_CONTEXT: _context, ...parentEnv } = process.env;
const env = { ...parentEnv, npm_config_update_notifier: 'false', npm_config_fund: 'false', CHROMIUM_PATH: CHROMIUM };

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

describe('npx tickwave init', () => {
  let work = '';
  let tarball = '';
  let host = '';

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'tickwave-init-'));
    const out = JSON.parse(
      run(process.execPath, [join(root, 'scripts/pack.mjs'), '--json', '--pack-destination', work], root),
    );
    tarball = join(work, (out as { filename: string }[])[0]!.filename);
    host = join(work, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'host', private: true }));
    run(npm, [...INSTALL, tarball], host);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('refuses a folder that has files, and explains its usage', () => {
    const taken = join(work, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'notes.txt'), 'mine');
    assert.throws(() => run(npm, ['exec', '--', 'tickwave', 'init', taken], host), /is not empty/);
    assert.deepEqual(readdirSync(taken), ['notes.txt'], 'nothing written');
    assert.throws(() => run(npm, ['exec', '--', 'tickwave'], host), /usage: tickwave init <dir>/);
  });

  it('scaffolds a game that installs, typechecks, builds and passes its browser test', (t) => {
    if (!existsSync(CHROMIUM)) {
      if (process.env['CI'] === 'true') throw new Error(`${CHROMIUM} is missing (.ci/run installs chromium)`);
      return t.skip(`${CHROMIUM} is missing: apt-get install -y chromium`);
    }
    const game = join(work, 'my-game');
    const printed = run(npm, ['exec', '--', 'tickwave', 'init', game, '--tickwave', `file:${tarball}`], host);
    assert.match(printed, /npm install\n {2}npm run dev/);
    const manifest = JSON.parse(readFileSync(join(game, 'package.json'), 'utf8')) as {
      name: string;
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    assert.equal(manifest.name, 'my-game');
    assert.deepEqual(Object.keys(manifest.scripts).sort(), ['build', 'dev', 'load', 'start', 'test']);
    assert.match(
      manifest.scripts['load']!,
      /^tickwave-load --room \.\/server\/room\.ts$/,
      'a load test of its own room',
    );
    assert.equal(manifest.dependencies['tickwave'], `file:${tarball}`);
    assert.ok(existsSync(join(game, '.gitignore')), '.gitignore restored from the template');
    run(npm, INSTALL, game);
    // npm test exits non-zero on a failure (run throws); the report is TAP on Node 20, spec on Node 24.
    const output = run(npm, ['test'], game);
    assert.match(output, /^(?:# |ℹ )pass 1$/m, output);
    assert.match(output, /^(?:# |ℹ )fail 0$/m, output);
  });
});
