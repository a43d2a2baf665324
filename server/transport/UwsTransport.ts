/**
 * The uWebSockets.js Transport: the only module that imports uWS. One App (or SSLApp with TLS) serves
 * the WebSocket endpoint on every path, `GET /health`, `GET /metrics` and static files. uWS is loaded
 * with a dynamic import on the first `listen` (see {@link loadUws}), so the server module loads on a
 * Node where the package is missing or its native binary does not load; only using it then fails.
 */
import type uWS from 'uWebSockets.js';
import { closeReason } from './closeReason.ts';
import { freePort } from './freePort.ts';
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
import { isUwsNotFound, lacksBinaryForThisNode, uwsBinaryMessage, uwsMissingMessage } from './uwsPackage.ts';

/**
 * The App methods uWS has at run time but its type file lacks. A local type rather than a module
 * augmentation, so the published declarations do not patch uWS's types for users.
 */
type App = uWS.TemplatedApp & {
  /** Closes the listen sockets and every open socket of this app. */
  close(): void;
  /** Listens on `host:port` with listen options (e.g. LIBUS_LISTEN_EXCLUSIVE_PORT). */
  listen(
    host: string,
    port: number,
    options: number,
    cb: (listenSocket: uWS.us_listen_socket | false) => void,
  ): uWS.TemplatedApp;
};

/** The uWebSockets.js module (its default export: the only form that works at run time). */
type Uws = typeof uWS;

/** The loaded module, or the error that explains why it cannot be used; settled once per process. */
let uwsLoad: Promise<Uws> | null = null;

/**
 * Checks that uWebSockets.js loads here with its native binary. Rejects with an Error that names the
 * package and the fix: not installed (the npm command), or installed without a binary for this Node
 * version (the package then falls back to a JS shim that hangs on upgrades). Returns nothing so the
 * published declarations do not need uWS's types.
 * @internal used by the transport choice; not part of the public API.
 */
export async function loadUws(): Promise<void> {
  await uwsModule();
}

/** Loads uWebSockets.js once per process; see {@link loadUws}. */
function uwsModule(): Promise<Uws> {
  // Without a binary for this Node, importing the package only prints its own "falling back" warning.
  uwsLoad ??= lacksBinaryForThisNode()
    ? Promise.reject(new Error(uwsBinaryMessage()))
    : import('uWebSockets.js').then(
        (mod: { default: Uws }) => {
          const loaded = mod.default;
          if (typeof loaded?.getParts !== 'function') throw new Error(uwsBinaryMessage());
          return loaded;
        },
        (err: unknown) => {
          throw new Error(isUwsNotFound(err) ? uwsMissingMessage() : `${uwsBinaryMessage()} (${String(err)})`, {
            cause: err,
          });
        },
      );
  return uwsLoad;
}

/** Tries at picking a free port for `listen(0)` (another process may take the picked one meanwhile). */
const FREE_PORT_ATTEMPTS = 5;

/** Default largest frame uWS accepts, bytes; above it uWS itself cuts the connection (the client sees 1006). */
export const DEFAULT_UWS_MAX_PAYLOAD_BYTES = 16 * 1024;
/** Default idle timeout (pings are sent automatically before it), s. */
export const DEFAULT_UWS_IDLE_TIMEOUT_SEC = 30;
/** Default most bytes buffered per socket before sends are dropped. */
export const DEFAULT_UWS_MAX_BACKPRESSURE_BYTES = 1024 * 1024;

/** Options of a {@link UwsTransport}. */
export interface UwsTransportOptions {
  /**
   * The engine's frame size limit, bytes. uWS is given twice this (at least 1 KiB more), so a frame a
   * little over it reaches the engine and is closed with 4004; a far bigger one is cut by uWS (1006).
   */
  readonly maxPayloadBytes?: number;
  /** Seconds without traffic before a socket is dropped; uWS pings automatically before that. ≥ 8. */
  readonly idleTimeoutSec?: number;
  /** Bytes buffered per socket beyond which `send` reports `dropped` (never closes the socket). */
  readonly maxBackpressureBytes?: number;
  /** Directory of static files for HTTP GET, or undefined for none. */
  readonly staticDir?: string | undefined;
  /** PEM key and certificate paths for wss:// / https://; both files must exist when the transport is constructed. */
  readonly tls?: TlsOptions | undefined;
}

interface SocketData {
  conn: UwsConnection | null;
  readonly userData: unknown;
  readonly remoteAddress: string;
}

/** Decoded text of a uWS ArrayBuffer. */
function text(buffer: ArrayBuffer): string {
  return Buffer.from(buffer).toString('utf8');
}

/**
 * A Transport over uWebSockets.js. uWS is loaded by `listen`, which rejects (naming the package and
 * the fix) if it is not installed or its native binary did not load; {@link UwsTransport.load}
 * checks that up front.
 */
export class UwsTransport implements Transport {
  private readonly options: UwsTransportOptions;
  private uws: Uws | null = null;
  private app: App | null = null;
  private listenSocket: uWS.us_listen_socket | null = null;
  private readonly open = new Set<UwsConnection>();
  private starting = false;

  /**
   * Loads uWebSockets.js and returns a transport on it. Rejects with the reason and the fix if the
   * package is missing or its native binary does not load on this Node.
   */
  static async load(options: UwsTransportOptions = {}): Promise<UwsTransport> {
    await loadUws();
    return new UwsTransport(options);
  }

  /** Checks the TLS files; throws with the fix in the message. uWS itself is loaded by `listen`. */
  constructor(options: UwsTransportOptions = {}) {
    checkTlsFiles('UwsTransport', options.tls);
    this.options = options;
  }

  /**
   * Loads uWS (rejecting with the fix if it cannot run here), then starts the App on `host:port`
   * (0 = any free port). The port is exclusive (no SO_REUSEPORT): rejects if another live listener
   * holds it; connections left in TIME_WAIT by a crashed server do not block it (SO_REUSEADDR).
   */
  async listen(port: number, host: string, handlers: TransportHandlers): Promise<Listening> {
    if (this.app !== null || this.starting)
      throw new Error('UwsTransport: already listening; create another transport');
    this.starting = true;
    try {
      const uws = await uwsModule();
      this.uws = uws;
      if (port !== 0) return await this.start(uws, port, host, handlers);
      // uSockets sets SO_REUSEADDR only when given a port. Bound to port 0, the listener lacks it, its
      // accepted sockets inherit that, and after a crash (SIGKILL) their TIME_WAIT entries refuse the
      // port to the next server for a minute. So a free port is picked first and then asked for.
      for (let attempt = 1; ; attempt++) {
        const free = await freePort(host, 'UwsTransport');
        try {
          return await this.start(uws, free, host, handlers);
        } catch (err) {
          if (attempt >= FREE_PORT_ATTEMPTS) throw err;
        }
      }
    } finally {
      this.starting = false;
    }
  }

  private start(uws: Uws, port: number, host: string, handlers: TransportHandlers): Promise<Listening> {
    const o = this.options;
    const tls = o.tls;
    const app = (
      tls === undefined
        ? uws.App()
        : uws.SSLApp({
            key_file_name: tls.keyFile,
            cert_file_name: tls.certFile,
            ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
          })
    ) as App;
    this.app = app;
    const engineLimit = o.maxPayloadBytes ?? DEFAULT_UWS_MAX_PAYLOAD_BYTES / 2;
    app.ws<SocketData>('/*', {
      maxPayloadLength: Math.max(engineLimit * 2, engineLimit + 1024),
      idleTimeout: o.idleTimeoutSec ?? DEFAULT_UWS_IDLE_TIMEOUT_SEC,
      sendPingsAutomatically: true,
      maxBackpressure: o.maxBackpressureBytes ?? DEFAULT_UWS_MAX_BACKPRESSURE_BYTES,
      closeOnBackpressureLimit: 0,
      compression: uws.DISABLED,
      upgrade: (res, req, context) => this.upgrade(res, req, context, handlers),
      open: (ws) => {
        const data = ws.getUserData();
        const conn = new UwsConnection(ws, data.userData, data.remoteAddress);
        data.conn = conn;
        this.open.add(conn);
        handlers.open(conn);
      },
      message: (ws, message, isBinary) => {
        const conn = ws.getUserData().conn;
        if (conn === null) return;
        handlers.message(conn, new Uint8Array(message), isBinary);
      },
      close: (ws, code, message) => {
        const conn = ws.getUserData().conn;
        if (conn === null) return;
        conn.markClosed();
        this.open.delete(conn);
        handlers.close(conn, code, text(message));
      },
    });
    this.routes(app, handlers.http);
    const exclusive = (uws as unknown as { readonly LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT;
    return new Promise((resolve, reject) => {
      app.listen(host, port, exclusive, (socket) => {
        if (socket === false) {
          this.app = null;
          reject(new Error(`UwsTransport: cannot listen on ${host}:${port} (port in use or address unavailable)`));
          return;
        }
        this.listenSocket = socket;
        resolve({ port: uws.us_socket_local_port(socket) });
      });
    });
  }

  /** Closes the listen socket; open sockets stay. */
  stopAccepting(): void {
    if (this.listenSocket !== null) this.uws?.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  /** Closes the listen socket and the App (cutting sockets still open). */
  close(): Promise<void> {
    this.stopAccepting();
    for (const conn of this.open) conn.markClosed();
    this.open.clear();
    this.app?.close();
    this.app = null;
    return Promise.resolve();
  }

  private upgrade(
    res: uWS.HttpResponse,
    req: uWS.HttpRequest,
    context: uWS.us_socket_context_t,
    handlers: TransportHandlers,
  ): void {
    const headers: Record<string, string> = {};
    req.forEach((key, value) => {
      headers[key] = value;
    });
    const request: UpgradeRequest = {
      url: req.getUrl(),
      query: req.getQuery() ?? '',
      origin: headers['origin'] ?? '',
      protocols: offeredProtocols(headers['sec-websocket-protocol']),
      headers,
      remoteAddress: text(res.getRemoteAddressAsText()),
    };
    const finish = (d: UpgradeDecision): void => {
      if (!d.ok) {
        res.writeStatus(statusLine(d.status)).writeHeader('content-type', 'text/plain').end(d.reason);
        return;
      }
      const data: SocketData = { conn: null, userData: d.userData, remoteAddress: request.remoteAddress };
      res.upgrade(
        data,
        headers['sec-websocket-key'] ?? '',
        d.protocol,
        headers['sec-websocket-extensions'] ?? '',
        context,
      );
    };
    const decision = decideUpgrade(handlers, request);
    if (!(decision instanceof Promise)) return finish(decision);
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    decision.then(
      (d) => {
        if (!aborted) res.cork(() => finish(d));
      },
      () => {
        if (!aborted) res.cork(() => finish(UPGRADE_FAILED));
      },
    );
  }

  /** Serves the HTTP routes (httpRoutes.ts) on every path the WebSocket upgrade does not take. */
  private routes(app: uWS.TemplatedApp, http: HttpRoutes): void {
    const dir = this.options.staticDir;
    app.any('/*', (res, req) => {
      // uWS names methods in lower case; the request object is valid only during this call.
      const address = Buffer.from(res.getRemoteAddressAsText()).toString();
      const read = (max: number) => readBody(res, max);
      const answer = answerHttp(req.getMethod().toUpperCase(), req.getUrl(), http, dir, read, address);
      if (!(answer instanceof Promise)) return writeAnswer(res, answer);
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      void answer.then((a) => {
        if (!aborted) res.cork(() => writeAnswer(res, a));
      });
    });
  }
}

/** Reads `res`'s request body up to `maxBytes` (null past it); uWS lends each chunk only during the call. */
function readBody(res: uWS.HttpResponse, maxBytes: number): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    let done = false;
    res.onData((chunk, isLast) => {
      if (done) return;
      length += chunk.byteLength;
      if (length > maxBytes) {
        done = true;
        return resolve(null);
      }
      chunks.push(Buffer.from(chunk.slice(0)));
      if (isLast) {
        done = true;
        resolve(Buffer.concat(chunks));
      }
    });
  });
}

/** Writes `answer` on `res` (uWS adds content-length itself). */
function writeAnswer(res: uWS.HttpResponse, answer: HttpAnswer): void {
  res.writeStatus(statusLine(answer.status));
  for (const [name, value] of Object.entries(answer.headers)) res.writeHeader(name, value);
  res.end(answer.headOnly ? '' : answer.body);
}

/** The engine's view of one uWS WebSocket. */
class UwsConnection implements Connection {
  private closed = false;
  /**
   * False while every send since the buffer was last seen empty was written out whole (uWS returned
   * SUCCESS): the buffer is then empty and `bufferedAmount` skips the native call, which every
   * snapshot tick would otherwise make once per client.
   */
  private mayBuffer = false;

  constructor(
    private readonly ws: uWS.WebSocket<SocketData>,
    readonly userData: unknown,
    readonly remoteAddress: string,
  ) {}

  get bufferedAmount(): number {
    if (this.closed || !this.mayBuffer) return 0;
    const n = this.ws.getBufferedAmount();
    if (n === 0) this.mayBuffer = false;
    return n;
  }

  send(bytes: Uint8Array): SendStatus {
    if (this.closed) return 'dropped';
    const result = this.ws.send(bytes, true, false);
    if (result === 1) return 'sent';
    this.mayBuffer = true;
    return result === 0 ? 'backpressure' : 'dropped';
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.ws.end(code, closeReason(reason));
  }

  /** @internal the socket is gone: never touch it again. */
  markClosed(): void {
    this.closed = true;
  }
}
