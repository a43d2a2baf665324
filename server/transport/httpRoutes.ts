/**
 * The HTTP routes both network transports serve next to the WebSocket endpoint, written once: `GET
 * /health` (the engine's JSON), `GET /metrics` (Prometheus text), `POST /matchmake` (JSON in and out,
 * the body read up to a bound) and static files (GET and HEAD) from `staticDir`; anything else is 404.
 * A transport hands in the method, the path and a body reader, and writes the {@link HttpAnswer} back
 * with its own API.
 */
import { STATUS_CODES } from 'node:http';
import { MAX_MATCHMAKE_BODY_BYTES } from '../cluster/matchmakeRequest.ts';
import { readStaticFile } from './staticFiles.ts';
import type { HttpRoutes, JsonAnswer } from './Transport.ts';

/** One HTTP response for a transport to write; the transport sets content-length from the body. */
export interface HttpAnswer {
  /** The HTTP status code. */
  readonly status: number;
  /** Response headers by lower-case name, in the order to write them (content-length excluded). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body; a file's bytes are the caller's to send, not to keep. */
  readonly body: string | Buffer;
  /** True for HEAD: write the status and headers but no body. */
  readonly headOnly: boolean;
}

const HEALTH_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;
const PLAIN_HEADERS = { 'content-type': 'text/plain' } as const;

/**
 * Reads the request body, up to `maxBytes`: the bytes, or null when the body is longer (reading stops)
 * or the request went away. Given by the transport; called at most once, synchronously in the handler.
 */
export type BodyReader = (maxBytes: number) => Promise<Uint8Array | null>;

/**
 * The answer to `method` (upper case) on `path` (without the query string): health and metrics from
 * `routes`, else a static file from `staticDir` (none when undefined). Synchronous for health and for
 * refusals; a Promise, which never rejects, for metrics, matchmaking and files. `readBody` is called only
 * for `POST /matchmake`, which is also given the peer's `remoteAddress`.
 */
export function answerHttp(
  method: string,
  path: string,
  routes: HttpRoutes,
  staticDir: string | undefined,
  readBody: BodyReader,
  remoteAddress = '',
): HttpAnswer | Promise<HttpAnswer> {
  if (path === '/matchmake' && routes.matchmake !== undefined) {
    if (method !== 'POST') return plain(405, 'use POST');
    const route = routes.matchmake.bind(routes);
    return matchmake((body) => route(body, remoteAddress), readBody);
  }
  if (method === 'GET' && path === '/health')
    return { status: 200, headers: HEALTH_HEADERS, body: routes.health(), headOnly: false };
  if (method === 'GET' && path === '/metrics') {
    return routes.metrics().then(
      ({ body, contentType }) => ({ status: 200, headers: { 'content-type': contentType }, body, headOnly: false }),
      () => plain(500, 'metrics failed'),
    );
  }
  if (staticDir === undefined || (method !== 'GET' && method !== 'HEAD')) return plain(404, 'not found');
  return readStaticFile(staticDir, path).then((file): HttpAnswer => {
    if (file.status !== 200) return plain(file.status, file.status === 404 ? 'not found' : 'bad request');
    const headers = { 'content-type': file.contentType, 'x-content-type-options': 'nosniff' };
    return { status: 200, headers, body: file.body, headOnly: method === 'HEAD' };
  });
}

/** The status line text for `status`, e.g. `404 Not Found` (`Error` for a code Node has no name for). */
export function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Error'}`;
}

function matchmake(route: (body: string) => Promise<JsonAnswer>, readBody: BodyReader): Promise<HttpAnswer> {
  return readBody(MAX_MATCHMAKE_BODY_BYTES)
    .then((bytes) =>
      bytes === null
        ? { status: 413, body: '{"error":"body too large"}' }
        : route(new TextDecoder('utf-8', { fatal: false }).decode(bytes)),
    )
    .then(
      (a): HttpAnswer => ({ status: a.status, headers: HEALTH_HEADERS, body: a.body, headOnly: false }),
      () => plain(500, 'matchmaking failed'),
    );
}

function plain(status: number, body: string): HttpAnswer {
  return { status, headers: PLAIN_HEADERS, body, headOnly: false };
}
