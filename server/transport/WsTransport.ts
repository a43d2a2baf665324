/**
 * The `ws` Transport: the only server module that imports the `ws` package. A `node:http` (or
 * `node:https` with TLS) server answers `GET /health`, `GET /metrics` and static files, and hands
 * WebSocket upgrades on every path to `ws` once the engine has accepted them. It runs on every Node
 * version the engine supports; UwsTransport is faster where its native binary loads (Node 20).
 *
 * It keeps UwsTransport's contract: the payload limit (engine limit ×2, at least +1 KiB; over it the
 * socket is cut), latest-wins backpressure (over `maxBackpressureBytes` buffered, `send` drops), an
 * idle timeout with automatic pings, no compression. `ws` is loaded with a dynamic import by
 * `listen`, so the server module loads where the package is missing; only using it then fails.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import { closeReason } from './closeReason.ts';
import { answerHttp, type HttpAnswer, statusLine } from './httpRoutes.ts';
import type { TlsOptions } from './tlsFiles.ts';
import { checkTlsFiles } from './tlsFiles.ts';
import type {
  Connection,
  HttpRoutes,
  Listening,
  SendStatus,
  Transport,
  TransportHandlers,
  UpgradeDecision,
  UpgradeRequest,
} from './Transport.ts';
import { decideUpgrade, offeredProtocols, UPGRADE_FAILED } from './upgradeRequest.ts';

/** Default largest frame `ws` accepts, bytes; above it the socket is cut. Same rule as UwsTransport. */
export const DEFAULT_WS_MAX_PAYLOAD_BYTES = 16 * 1024;
/** Default seconds without traffic from a peer before its socket is cut; pings go out at half of it. */
export const DEFAULT_WS_IDLE_TIMEOUT_SEC = 30;
/** Default most bytes buffered per socket before sends are dropped. */
export const DEFAULT_WS_MAX_BACKPRESSURE_BYTES = 1024 * 1024;
/** Default time a closing socket has to answer the close frame before it is cut, ms. */
export const DEFAULT_WS_CLOSE_TIMEOUT_MS = 3000;
/** Least time between two idle sweeps, ms (the sweep runs every quarter of the idle timeout). */
const MIN_SWEEP_MS = 250;
/** `WebSocket.OPEN`, without loading the package for a constant. */
const OPEN = 1;
const SEND_OPTIONS = { binary: true, compress: false } as const;

/** Options of a {@link WsTransport}. */
export interface WsTransportOptions {
  /**
   * The engine's frame size limit, bytes. `ws` is given twice this (at least 1 KiB more), so a frame a
   * little over it reaches the engine and is closed with 4004; a far bigger one is cut by the transport.
   */
  readonly maxPayloadBytes?: number;
  /**
   * Seconds without traffic (frames, pings or pongs) from a peer before its socket is cut (1006). A
   * ping goes out when a peer has been silent for half of it, so a peer that answers pings stays.
   * Default {@link DEFAULT_WS_IDLE_TIMEOUT_SEC}; any value > 0 (the Server asks for ≥ 8).
   */
  readonly idleTimeoutSec?: number;
  /** Bytes buffered per socket beyond which `send` reports `dropped` (never closes the socket). */
  readonly maxBackpressureBytes?: number;
  /** Time a socket closed by the engine has to answer the close frame before it is cut, ms. */
  readonly closeTimeoutMs?: number;
  /** Directory of static files for HTTP GET, or undefined for none. */
  readonly staticDir?: string | undefined;
  /** PEM key and certificate paths for wss:// / https://; both files must exist when the transport is constructed. */
  readonly tls?: TlsOptions | undefined;
}

type WsModule = typeof import('ws');
type HttpServer = ReturnType<typeof createHttpServer>;

/**
 * Checks that the `ws` package loads; rejects with an Error that names it and the npm command when it
 * is missing. Returns nothing so the published declarations do not need ws's types.
 * @internal used by the transport choice; not part of the public API.
 */
export async function loadWs(): Promise<void> {
  await wsModule();
}

/** Loads the `ws` package; see {@link loadWs}. */
async function wsModule(): Promise<WsModule> {
  try {
    return await import('ws');
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const message = 'ws: the package is not installed; the ws transport needs it. Install it with `npm install ws`.';
      throw new Error(message, { cause: err });
    }
    throw err;
  }
}

/** A Transport over the `ws` package and Node's HTTP server; see the module comment. One `listen` per instance. */
export class WsTransport implements Transport {
  private readonly options: WsTransportOptions;
  private http: HttpServer | null = null;
  private wss: WebSocketServer | null = null;
  private handlers: TransportHandlers | null = null;
  private accepting = false;
  private starting = false;
  private stopped: Promise<void> | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private readonly open = new Set<WsConnection>();
  /** Sockets whose upgrade waits for an async decision: destroyed by `close`. */
  private readonly pending = new Set<Socket>();
  /** The subprotocol the engine chose for each accepted upgrade request, read by `ws`'s handleProtocols. */
  private readonly chosen = new WeakMap<IncomingMessage, string>();

  /**
   * Loads `ws` and returns a transport on it. Rejects naming the package and the npm command when it
   * is missing (the constructor cannot tell: `ws` is loaded by `listen`).
   */
  static async load(options: WsTransportOptions = {}): Promise<WsTransport> {
    await loadWs();
    return new WsTransport(options);
  }

  /** Checks the options and the TLS files; throws with the fix in the message. `ws` is loaded by `listen`. */
  constructor(options: WsTransportOptions = {}) {
    const idle = options.idleTimeoutSec ?? DEFAULT_WS_IDLE_TIMEOUT_SEC;
    if (!(idle > 0 && Number.isFinite(idle))) {
      throw new RangeError(`WsTransport: idleTimeoutSec must be > 0; got ${idle}`);
    }
    checkTlsFiles('WsTransport', options.tls);
    this.options = options;
  }

  /**
   * Loads `ws` (rejecting with the npm command if it is missing), then listens on `host:port`
   * (0 = any free port). Rejects if another live listener holds the port.
   */
  async listen(port: number, host: string, handlers: TransportHandlers): Promise<Listening> {
    if (this.http !== null || this.starting) {
      throw new Error('WsTransport: already listening; create another transport');
    }
    this.starting = true;
    try {
      const { WebSocketServer } = await wsModule();
      return await this.start(WebSocketServer, port, host, handlers);
    } finally {
      this.starting = false;
    }
  }

  private start(
    Wss: WsModule['WebSocketServer'],
    port: number,
    host: string,
    handlers: TransportHandlers,
  ): Promise<Listening> {
    const o = this.options;
    const engineLimit = o.maxPayloadBytes ?? DEFAULT_WS_MAX_PAYLOAD_BYTES / 2;
    this.wss = new Wss({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: Math.max(engineLimit * 2, engineLimit + 1024),
      handleProtocols: (_offered, req) => this.chosen.get(req) ?? false,
    });
    const tls = o.tls;
    const http =
      tls === undefined
        ? createHttpServer()
        : createHttpsServer({
            key: readFileSync(tls.keyFile),
            cert: readFileSync(tls.certFile),
            ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
          });
    this.http = http;
    this.handlers = handlers;
    http.on('request', (req, res) => this.route(req, res, handlers.http));
    http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.upgrade(req, socket, head, handlers);
    });
    return new Promise((resolve, reject) => {
      const failed = (err: Error): void => {
        this.http = null;
        this.wss = null;
        this.handlers = null;
        const why = (err as { code?: string }).code ?? err.message;
        reject(new Error(`WsTransport: cannot listen on ${host}:${port} (${why})`, { cause: err }));
      };
      http.once('error', failed);
      http.listen(port, host, () => {
        http.off('error', failed);
        const address = http.address();
        this.accepting = true;
        this.startSweep();
        resolve({ port: typeof address === 'object' && address !== null ? address.port : port });
      });
    });
  }

  /** Stops listening and refuses upgrades on kept-alive HTTP connections; open sockets stay. */
  stopAccepting(): void {
    this.accepting = false;
    const http = this.http;
    if (http === null || this.stopped !== null) return;
    this.stopped = new Promise((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
  }

  /**
   * Stops accepting and cuts every open socket (1006). Sockets the engine already closed get up to
   * `closeTimeoutMs` to deliver their close frame. Resolves once the HTTP server has closed.
   */
  async close(): Promise<void> {
    this.stopAccepting();
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
    for (const socket of this.pending) socket.destroy();
    this.pending.clear();
    for (const conn of this.open) conn.cut();
    this.http?.closeAllConnections();
    await this.stopped;
    this.http = null;
    this.wss = null;
  }

  private startSweep(): void {
    const idleMs = (this.options.idleTimeoutSec ?? DEFAULT_WS_IDLE_TIMEOUT_SEC) * 1000;
    this.sweepTimer = setInterval(
      () => {
        const now = performance.now();
        for (const conn of this.open) conn.checkIdle(now, idleMs);
      },
      Math.max(MIN_SWEEP_MS, idleMs / 4),
    );
    this.sweepTimer.unref();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer, handlers: TransportHandlers): void {
    socket.on('error', () => socket.destroy());
    if (!this.accepting) return reject(socket, 503, 'server not accepting connections');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const request: UpgradeRequest = {
      url: q === -1 ? url : url.slice(0, q),
      query: q === -1 ? '' : url.slice(q + 1),
      origin: headers['origin'] ?? '',
      protocols: offeredProtocols(headers['sec-websocket-protocol']),
      headers,
      remoteAddress: socket.remoteAddress ?? '',
    };
    const decision = decideUpgrade(handlers, request);
    if (!(decision instanceof Promise)) return this.finish(req, socket, head, decision, request.remoteAddress);
    this.pending.add(socket);
    const settle = (d: UpgradeDecision): void => {
      if (!this.pending.delete(socket)) return;
      // The client went away while the engine decided: nothing to answer.
      if (socket.destroyed || !socket.writable) return void socket.destroy();
      this.finish(req, socket, head, d, request.remoteAddress);
    };
    decision.then(settle, () => settle(UPGRADE_FAILED));
  }

  private finish(req: IncomingMessage, socket: Socket, head: Buffer, d: UpgradeDecision, remoteAddress: string): void {
    const wss = this.wss;
    const handlers = this.handlers;
    if (wss === null || handlers === null) return void socket.destroy();
    if (!d.ok) return reject(socket, d.status, d.reason);
    this.chosen.set(req, d.protocol);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new WsConnection(ws, d.userData, remoteAddress, this.options);
      this.open.add(conn);
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        conn.seen();
        handlers.message(conn, data, isBinary);
      });
      ws.on('pong', () => conn.seen());
      ws.on('ping', () => conn.seen());
      // A frame over maxPayload or a protocol error: cut at once rather than wait out a close handshake.
      ws.on('error', () => ws.terminate());
      ws.on('close', (code: number, reason: Buffer) => {
        conn.markClosed();
        this.open.delete(conn);
        handlers.close(conn, code, reason.toString('utf8'));
      });
      handlers.open(conn);
    });
  }

  /** Serves the HTTP routes (httpRoutes.ts) on a plain request. */
  private route(req: IncomingMessage, res: ServerResponse, http: HttpRoutes): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const read = (max: number) => readBody(req, max);
    const answer = answerHttp(req.method ?? 'GET', path, http, this.options.staticDir, read, req.socket.remoteAddress);
    if (answer instanceof Promise) void answer.then((a) => writeAnswer(res, a));
    else writeAnswer(res, answer);
  }
}

/** Writes `answer` on `res` with its content-length (for HEAD, the length of the body not sent). */
function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  const body = answer.body;
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  res.writeHead(answer.status, { ...answer.headers, 'content-length': length });
  res.end(answer.headOnly ? undefined : body);
}

/** Reads `req`'s body up to `maxBytes` (null past it: the rest is discarded, or when the request errs). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      req.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.byteLength;
      if (length > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

/** Answers an upgrade request with an HTTP error and a plain-text body, then closes the socket. */
function reject(socket: Socket, status: number, reason: string): void {
  if (socket.destroyed || !socket.writable) return void socket.destroy();
  const body = Buffer.from(reason, 'utf8');
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${statusLine(status)}\r\n` +
      `content-type: text/plain; charset=utf-8\r\ncontent-length: ${body.byteLength}\r\n` +
      `connection: close\r\n\r\n${reason}`,
  );
}

/** The engine's view of one `ws` WebSocket. */
class WsConnection implements Connection {
  private closed = false;
  private lastSeenMs = performance.now();
  private pinged = false;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly maxBackpressureBytes: number;
  private readonly closeTimeoutMs: number;

  constructor(
    private readonly ws: WebSocket,
    readonly userData: unknown,
    readonly remoteAddress: string,
    options: WsTransportOptions,
  ) {
    this.maxBackpressureBytes = options.maxBackpressureBytes ?? DEFAULT_WS_MAX_BACKPRESSURE_BYTES;
    this.closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_WS_CLOSE_TIMEOUT_MS;
  }

  get bufferedAmount(): number {
    return this.closed ? 0 : this.ws.bufferedAmount;
  }

  send(bytes: Uint8Array): SendStatus {
    const ws = this.ws;
    if (this.closed || ws.readyState !== OPEN) return 'dropped';
    if (ws.bufferedAmount > this.maxBackpressureBytes) return 'dropped';
    // A copy: the bytes are borrowed for this call only, and the socket may keep what it cannot write now.
    ws.send(Buffer.from(bytes), SEND_OPTIONS);
    return ws.bufferedAmount > 0 ? 'backpressure' : 'sent';
  }

  close(code: number, reason: string): void {
    if (this.closed || this.closeTimer !== null) return;
    try {
      this.ws.close(code, closeReason(reason));
    } catch {
      // A code `ws` refuses to put on the wire (e.g. 1006): cut instead.
      this.ws.terminate();
      return;
    }
    this.closeTimer = setTimeout(() => this.ws.terminate(), this.closeTimeoutMs);
    this.closeTimer.unref();
  }

  /** @internal traffic from the peer: it is alive. */
  seen(): void {
    this.lastSeenMs = performance.now();
    this.pinged = false;
  }

  /** @internal cuts a peer silent for `idleMs`; pings one silent for half of it. */
  checkIdle(nowMs: number, idleMs: number): void {
    if (this.closed) return;
    const silentMs = nowMs - this.lastSeenMs;
    if (silentMs >= idleMs) this.ws.terminate();
    else if (silentMs >= idleMs / 2 && !this.pinged && this.ws.readyState === OPEN) {
      this.pinged = true;
      this.ws.ping();
    }
  }

  /** @internal the transport is closing: cut an open socket; one already closing keeps its timer. */
  cut(): void {
    if (!this.closed && this.closeTimer === null) this.ws.terminate();
  }

  /** @internal the socket is gone: never touch it again. */
  markClosed(): void {
    this.closed = true;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
  }
}
