/**
 * One Node run of seeks for `npm run bench -- record`, in a process of its own (a fresh heap, as a
 * viewer opening the file has): `recordSeekChild.ts <file> <count> <seed>` prints the SeekRun as JSON,
 * with the run's CPU time.
 */
import { readFileSync } from 'node:fs';
import { runSeeks } from './recordSeekLoop.ts';

const [path, count, seed] = process.argv.slice(2);
const bytes = readFileSync(path!);
const cpu = process.cpuUsage();
const run = await runSeeks(
  bytes,
  Number(count),
  Number(seed),
  () => performance.now(),
  () => new Promise((resolve) => setImmediate(resolve)),
);
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ ...run, cpuMs: (used.user + used.system) / 1000 }));
