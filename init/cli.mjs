#!/usr/bin/env node
// `npx tickwave init <dir>`: writes a small complete game into <dir> (a new or empty folder): the shared
// schema and step, a server with a room, a Vite + Pixi client with prediction, interpolation and the net
// graph, tsconfig, scripts (dev with hot reload, start, build, test with a browser end-to-end test) and
// a README. Then: cd <dir> && npm install && npm run dev.
//
//   npx tickwave init my-game
//   npx tickwave init my-game --tickwave file:../tickwave-0.1.0.tgz   (the dependency spec to write)
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const TEMPLATE = join(import.meta.dirname, 'template');
/** Files npm would drop or rename when packing, stored under another name in the template. */
const RENAMED = new Map([['_gitignore', '.gitignore']]);
const USAGE = `usage: tickwave init <dir> [--tickwave <dependency spec>]

Writes a small complete multiplayer game (server, browser client, tests) into <dir>, which must be
new or empty. Then: cd <dir> && npm install && npm run dev`;

/** The package.json name for a folder name: lower case, npm-safe. */
function packageName(dir) {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return name === '' ? 'tickwave-game' : name.slice(0, 214);
}

/** This package's version, for the dependency the game gets. */
function ownVersion() {
  return JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version;
}

/** Copies the template tree `from` into `to`, renaming what npm would drop; returns the files written. */
function copyTree(from, to, written = []) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    const target = join(to, RENAMED.get(entry) ?? entry);
    if (statSync(source).isDirectory()) copyTree(source, target, written);
    else {
      copyFileSync(source, target);
      written.push(target);
    }
  }
  return written;
}

function init(dir, tickwaveSpec) {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty: pick a new folder (tickwave init never overwrites files)`);
  }
  const written = copyTree(TEMPLATE, dir);
  const manifestPath = join(dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.name = packageName(dir);
  manifest.dependencies.tickwave = tickwaveSpec;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return written.length;
}

function main(args) {
  const [command, dir, ...rest] = args;
  if (command !== 'init' || dir === undefined || dir.startsWith('-')) {
    console.error(USAGE);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let spec = `^${ownVersion()}`;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--tickwave' && rest[i + 1] !== undefined) spec = rest[++i];
    else {
      console.error(`tickwave init: unknown argument ${rest[i]}\n\n${USAGE}`);
      return 2;
    }
  }
  try {
    const count = init(dir, spec);
    console.log(`tickwave: wrote ${count} files to ${dir}\n\n  cd ${dir}\n  npm install\n  npm run dev\n`);
    console.log('then open the printed Vite URL in two tabs; README.md explains every file.');
    return 0;
  } catch (error) {
    console.error(`tickwave init: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
