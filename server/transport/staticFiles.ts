/** Safe static file lookup for the HTTP side of a transport: no path traversal, known content types. */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

/** Content types by file extension; anything else is served as application/octet-stream. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** A file to serve, or the HTTP status explaining why not. */
export type StaticResult =
  | { readonly status: 200; readonly body: Buffer; readonly contentType: string }
  | { readonly status: 400 | 404 };

/**
 * Resolves the URL path `urlPath` inside `rootDir` and reads it. `/` and directories map to their
 * index.html. Paths that decode badly, contain NUL, or resolve outside the root (also through
 * symbolic links) are refused.
 */
export async function readStaticFile(rootDir: string, urlPath: string): Promise<StaticResult> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0') || !decoded.startsWith('/')) return { status: 400 };
  const root = resolve(rootDir);
  let file = resolve(root, `.${decoded}`);
  if (file !== root && !file.startsWith(root + sep)) return { status: 404 };
  try {
    if ((await stat(file)).isDirectory()) file = resolve(file, 'index.html');
    const realRoot = await realpath(root);
    const real = await realpath(file);
    if (!real.startsWith(realRoot + sep)) return { status: 404 };
    const body = await readFile(file);
    return { status: 200, body, contentType: CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' };
  } catch {
    return { status: 404 };
  }
}
