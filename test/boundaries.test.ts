// The layer rules the per-layer tsconfigs cannot express on their own: which file may import what; and the line
// width Biome cannot enforce on strings, test titles and comments.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(join(root, dir));
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Module specifiers a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

/** The repository path a relative specifier points to, or the bare package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(root, join(root, file, '..', spec))
    .split(sep)
    .join('/');
}

function isUnder(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/** Longest line allowed in a source or test file, in characters: Biome's lineWidth (biome.json). */
const MAX_LINE_CHARS = 120;

/** Every git-tracked `.ts` and `.mjs` file, repository paths. */
function trackedScripts(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.mjs'], { cwd: root, encoding: 'utf8' });
  return out.split('\0').filter((path) => path !== '' && existsSync(join(root, path)));
}

const PUBLIC_ENTRIES = [
  'shared/index.ts',
  'server/index.ts',
  'client/index.ts',
  'client/pixi/index.ts',
  'client/node/index.ts',
];

describe('layer boundaries', () => {
  it('finds the source files it checks', () => {
    assert.ok(sourceFiles('shared').length > 5, 'shared/ has source files');
  });

  it('keeps shared/ to itself and msgpackr', () => {
    for (const file of sourceFiles('shared')) {
      for (const spec of importsOf(file)) {
        const to = target(file, spec);
        assert.ok(isUnder(to, 'shared') || to === 'msgpackr', `${file} imports ${spec}`);
      }
    }
  });

  it('keeps the client core free of server, pixi and Node code', () => {
    for (const file of sourceFiles('client')) {
      if (isUnder(file, 'client/pixi') || isUnder(file, 'client/node')) continue;
      for (const spec of importsOf(file)) {
        const to = target(file, spec);
        assert.ok(
          isUnder(to, 'shared') ||
            (isUnder(to, 'client') && !isUnder(to, 'client/pixi') && !isUnder(to, 'client/node')),
          `${file} imports ${spec}`,
        );
      }
    }
  });

  it('imports pixi.js only from client/pixi and the demo client', () => {
    for (const dir of ['shared', 'client', 'server', 'bench', 'load', 'demo']) {
      for (const file of sourceFiles(dir)) {
        if (isUnder(file, 'client/pixi') || isUnder(file, 'demo/client')) continue;
        assert.ok(!importsOf(file).some((s) => s === 'pixi.js' || s.startsWith('pixi.js/')), `${file} imports pixi.js`);
      }
    }
  });

  it('imports uWebSockets.js from exactly one server file', () => {
    const importers = ['shared', 'client', 'server', 'bench', 'load', 'demo']
      .flatMap(sourceFiles)
      .filter((file) => importsOf(file).includes('uWebSockets.js'));
    assert.equal(importers.length, 1, `uWebSockets.js importers: ${importers.join(', ')}`);
    assert.ok(isUnder(importers[0]!, 'server'), `${importers[0]} is not in server/`);
  });

  it('imports ws only from the ws transport and the Node client socket', () => {
    const importers = ['shared', 'client', 'server']
      .flatMap(sourceFiles)
      .filter((file) => importsOf(file).some((s) => s === 'ws' || s.startsWith('ws/')));
    assert.deepEqual(importers.sort(), ['client/node/wsSocket.ts', 'server/transport/WsTransport.ts']);
  });

  it('loads uWebSockets.js and ws in the server only by dynamic import (the server module loads without them)', () => {
    for (const file of sourceFiles('server')) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(
        /(?:^|\n)\s*(import|export)\s+(type\s)?[^'"]*?from\s+['"](uWebSockets\.js|ws)['"]/g,
      )) {
        assert.ok(
          m[1] === 'import' && m[2] !== undefined,
          `${file} imports ${m[3]} at load time; use import type and import()`,
        );
      }
    }
  });

  it('keeps the server free of client code', () => {
    for (const file of sourceFiles('server')) {
      for (const spec of importsOf(file)) assert.ok(!isUnder(target(file, spec), 'client'), `${file} imports ${spec}`);
    }
  });

  it('builds the demo, the benchmarks and the load tester on the public entry points only', () => {
    for (const dir of ['demo', 'bench', 'load']) {
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          const to = target(file, spec);
          const engine = ['shared', 'server', 'client'].some((layer) => isUnder(to, layer));
          assert.ok(!engine || PUBLIC_ENTRIES.includes(to), `${file} imports ${spec}, not a public entry point`);
        }
      }
    }
  });
  it('keeps the load tester to the public entry points, and bench/ and demo/ to its public surface', () => {
    for (const file of sourceFiles('load')) {
      for (const spec of importsOf(file)) {
        const to = target(file, spec);
        assert.ok(!['bench', 'demo', 'test'].some((dir) => isUnder(to, dir)), `${file} imports ${spec}`);
      }
    }
    for (const dir of ['bench', 'demo']) {
      for (const file of sourceFiles(dir)) {
        for (const spec of importsOf(file)) {
          const to = target(file, spec);
          assert.ok(!isUnder(to, 'load') || to === 'load/index.ts', `${file} imports ${spec}, not load/index.ts`);
        }
      }
    }
  });
});

describe('line width', () => {
  it(`keeps every tracked .ts and .mjs line within ${MAX_LINE_CHARS} characters`, () => {
    const files = trackedScripts();
    assert.ok(files.includes('test/boundaries.test.ts'), 'git ls-files lists the tracked files');
    const long: string[] = [];
    for (const file of files) {
      const lines = readFileSync(join(root, file), 'utf8').split(/\r?\n/);
      lines.forEach((line, i) => {
        const chars = [...line].length;
        if (chars > MAX_LINE_CHARS) long.push(`${file}:${i + 1} (${chars} characters)`);
      });
    }
    assert.deepEqual(long, [], `lines over ${MAX_LINE_CHARS} characters:\n${long.join('\n')}`);
  });
});
