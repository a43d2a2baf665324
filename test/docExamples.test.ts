// The `@example` of each main entry of the API reference typechecks under the project's strict settings:
// every ```ts block of an @example in the files below is written out as a module importing `tickwave/*`
// (mapped to the sources, as a game's bundler maps the package) and checked with tsc.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..');
/** Where the examples are written (git-ignored). */
const outDir = join(root, 'test-artifacts', 'doc-examples');
/** Each main entry and the file whose TSDoc carries its example. */
const ENTRIES: Record<string, string> = {
  defineSchema: 'shared/schema.ts',
  t: 'shared/fields.ts',
  defineRoom: 'server/defineRoom.ts',
  Server: 'server/Server.ts',
  TickwaveClient: 'client/TickwaveClient.ts',
  EntityViews: 'client/pixi/EntityViews.ts',
  NetGraph: 'client/pixi/NetGraph.ts',
};

/** The ```ts blocks of the @example tags in the TSDoc comment right above `export … name`. */
function examplesOf(source: string, name: string): string[] {
  const declaration = new RegExp(`\\*/\\n(?:export (?:const|function|class) ${name}\\b)`);
  const at = source.search(declaration);
  if (at < 0) return [];
  const comment = source.slice(source.lastIndexOf('/**', at), at);
  const examples: string[] = [];
  for (const part of comment.split('@example').slice(1)) {
    const lines = part.split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
    const start = lines.indexOf('```ts');
    const end = lines.indexOf('```', start + 1);
    if (start >= 0 && end > start) examples.push(lines.slice(start + 1, end).join('\n'));
  }
  return examples;
}

describe('API reference examples', () => {
  it('typechecks the @example of defineSchema, t, defineRoom, Server, TickwaveClient, EntityViews, NetGraph', () => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    for (const [name, file] of Object.entries(ENTRIES)) {
      const examples = examplesOf(readFileSync(join(root, file), 'utf8'), name);
      assert.ok(examples.length > 0, `${name} (${file}) has an @example with a \`\`\`ts block`);
      for (const [i, code] of examples.entries()) writeFileSync(join(outDir, `${name}-${i}.ts`), `${code}\n`);
    }
    const source = (entry: string): string[] => [join(root, entry)];
    const tsconfig = {
      extends: join(root, 'tsconfig.base.json'),
      compilerOptions: {
        lib: ['es2022', 'dom', 'dom.iterable'],
        types: ['node'],
        paths: {
          'tickwave/shared': source('shared/index.ts'),
          'tickwave/server': source('server/index.ts'),
          'tickwave/client': source('client/index.ts'),
          'tickwave/client/pixi': source('client/pixi/index.ts'),
        },
      },
      include: ['*.ts'],
    };
    writeFileSync(join(outDir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = join(root, 'node_modules/typescript-native/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', join(outDir, 'tsconfig.json')], { encoding: 'utf8' });
    assert.equal(result.status, 0, `an @example does not typecheck:\n${result.stdout}${result.stderr}`);
  });
});
