/**
 * What can be told about the installed uWebSockets.js package without importing it (UwsTransport is
 * the one module that imports it): whether it ships a native binary for this Node, and the messages
 * that name the package and the fix when it cannot run.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The npm package name the server imports; the alias in package.json points it at a build. */
export const UWS_PACKAGE = 'uWebSockets.js';

/**
 * True when the installed package ships native binaries (`uws_<platform>_<arch>_<abi>.node`, in its
 * folder or a `binaries/` or `dist/` folder beside its main file) but none for this platform and Node
 * ABI. False when it cannot tell (not installed, another layout): the import then decides. Reads the
 * file system on each call.
 */
export function lacksBinaryForThisNode(): boolean {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve(UWS_PACKAGE);
  } catch {
    return false;
  }
  const wanted = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const root = dirname(main);
  let shipsBinaries = false;
  for (const dir of [root, join(root, '..'), join(root, '..', 'binaries'), join(root, 'binaries')]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    if (names.includes(wanted)) return false;
    if (names.some((name) => /^uws_.*\.node$/.test(name))) shipsBinaries = true;
  }
  return shipsBinaries;
}

/** True for the error a dynamic import gives when the package itself is not installed. */
export function isUwsNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String(err).includes(UWS_PACKAGE);
}

/** The error message for a missing package: the npm command, or the ws transport. */
export function uwsMissingMessage(): string {
  return (
    `${UWS_PACKAGE}: the package is not installed. Install it with ` +
    `\`npm install uWebSockets.js@npm:@trufflesuite/uws-js-unofficial@20.30.0-unofficial.0\` (Node 20), ` +
    "or use the transport 'ws' (`npm install ws`)."
  );
}

/** The error message for a package without a working native binary on this Node version and platform. */
export function uwsBinaryMessage(): string {
  return (
    `${UWS_PACKAGE}: the native binary did not load (no build for Node ${process.version} on ` +
    `${process.platform}-${process.arch}), and its JS fallback hangs on upgrades. Use Node 20, install a ` +
    "uWebSockets.js build for this Node version, or use the transport 'ws'."
  );
}
