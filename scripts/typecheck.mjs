// Typechecks each layer with its own tsconfig, so the compiler enforces the boundaries:
// shared/ and the client core see neither DOM nor Node types; only client/pixi sees the DOM.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = [
  'shared/tsconfig.json',
  'client/tsconfig.json',
  'client/pixi/tsconfig.json',
  'tsconfig.json',
  'examples/minimal/tsconfig.json',
  'init/tsconfig.json',
];
let failed = 0;
for (const project of projects) {
  if (!existsSync(project)) continue;
  const result = spawnSync(process.execPath, ['node_modules/typescript-native/bin/tsc', '-p', project], {
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    failed++;
    console.error(`typecheck failed: ${project}`);
  }
}
if (failed > 0) process.exit(1);
console.log(`typecheck: ${projects.length} projects clean`);
