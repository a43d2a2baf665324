// `npm test`'s runner: lists test/*.test.ts itself and runs them with Node's test runner (tsx, the
// repo's `tickwave-source` condition, spec reporter). A shell glob is not enough: when it matches
// nothing, Node 20 fails but Node 22+ passes with "tests 0". No test files is a failure here.
// `npm test -- test/a.test.ts test/b.test.ts` runs only the files given.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const given = process.argv.slice(2);
const files =
  given.length > 0
    ? given
    : readdirSync(join(root, 'test'))
        .filter((name) => name.endsWith('.test.ts'))
        .sort()
        .map((name) => `test/${name}`);
if (files.length === 0) {
  console.error('npm test: no test files found (test/*.test.ts)');
  process.exit(1);
}
const missing = files.filter((file) => !existsSync(join(root, file)));
if (missing.length > 0) {
  console.error(`npm test: no such test file: ${missing.join(', ')}`);
  process.exit(1);
}

const args = ['--conditions=tickwave-source', '--import', 'tsx', '--test', '--test-reporter=spec', ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal !== null) console.error(`npm test: the test runner was stopped by ${signal}`);
  process.exit(code ?? 1);
});
