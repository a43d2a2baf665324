// `npm run package`: builds and packs the npm package from a staging directory, so the published
// package.json is a cleaned copy and the repo's own is never modified (not even for a moment: other
// processes resolve the repo's `tickwave-source` condition while this runs).
//
//   npm run package                           → ./tickwave-<version>.tgz
//   npm run package -- --pack-destination DIR --json
//   npm publish ./tickwave-<version>.tgz      (publishes the cleaned tarball)
//
// The cleaned package.json drops the repo-only parts: the `tickwave-source` export condition (it
// points at .ts sources the tarball does not hold), scripts, devDependencies, overrides and
// allowScripts. The compiler writes dist/ straight into the staging directory, so no stale file of
// the repo's dist/ can slip in. `npm pack` in the repo root is refused (`--refuse-root-pack`, its
// prepack hook), because it would publish the repo's package.json as it is.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);

if (args.includes('--refuse-root-pack')) {
  console.error(
    'tickwave: `npm pack` / `npm publish` in the repo root would ship the repo-only package.json.\n' +
      'Run `npm run package` (writes tickwave-<version>.tgz with a cleaned package.json), then\n' +
      '`npm publish ./tickwave-<version>.tgz`.',
  );
  process.exit(1);
}

/** The value after `flag` in the arguments, or undefined. */
function option(flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
const destination = resolve(process.cwd(), option('--pack-destination') ?? '.');
const json = args.includes('--json');

/** The export conditions of one entry point without the repo-only ones. */
function publicConditions(conditions) {
  if (typeof conditions !== 'object' || conditions === null) return conditions;
  return Object.fromEntries(Object.entries(conditions).filter(([name]) => name !== 'tickwave-source'));
}

/** The package.json that goes into the tarball. */
function publishedManifest(manifest) {
  const { scripts: _s, devDependencies: _d, overrides: _o, allowScripts: _a, ...published } = manifest;
  published.exports = Object.fromEntries(
    Object.entries(manifest.exports).map(([entry, conditions]) => [entry, publicConditions(conditions)]),
  );
  return published;
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const published = publishedManifest(manifest);
if (JSON.stringify(published).includes('tickwave-source')) throw new Error('tickwave-source left in package.json');

const stage = mkdtempSync(join(tmpdir(), 'tickwave-stage-'));
try {
  const tsc = join(root, 'node_modules/typescript-native/bin/tsc');
  const tscArgs = [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')];
  const build = spawnSync(process.execPath, tscArgs, {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`the build failed (tsc exit ${build.status ?? build.signal})`);
  for (const file of ['README.md', 'LICENSE']) copyFileSync(join(root, file), join(stage, file));
  // `npx tickwave init`: the bin and the game template it copies (init/tsconfig.json is the repo's own check).
  cpSync(join(root, 'init/cli.mjs'), join(stage, 'init/cli.mjs'));
  cpSync(join(root, 'init/template'), join(stage, 'init/template'), { recursive: true });
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  const packArgs = ['pack', '--pack-destination', destination, '--ignore-scripts', ...(json ? ['--json'] : [])];
  const pack = spawnSync('npm', packArgs, {
    cwd: stage,
    stdio: ['ignore', 'inherit', 'inherit'],
    shell: process.platform === 'win32',
  });
  if (pack.status !== 0) throw new Error(`npm pack failed (exit ${pack.status ?? pack.signal})`);
} catch (error) {
  console.error(`npm run package: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  rmSync(stage, { recursive: true, force: true });
}
