/**
 * The small interface the engine talks to a network through. UwsTransport (uWebSockets.js) and
 * MemoryTransport (in-process, for tests and benchmarks) implement it; the same contract tests run
 * against both. Transports move bytes and enforce no protocol: the engine decides who may connect.
 */

/**
 * What `send` did with a frame: `sent` (handed to the network), `backpressure` (accepted but queued;
 * it will still arrive), or `dropped` (not accepted: the peer will never see it).
 */
export type SendStatus = 'sent' | 'backpressure' | 'dropped';

/** One accepted connection, as the engine sees it. Valid from `open` until `close` is reported. */
export interface Connection {
  /** Sends one binary frame. The bytes are borrowed for the duration of the call only. */
  send(bytes: Uint8Array): SendStatus;
  /** Bytes accepted by `send` but not yet written to the network; 0 once closed. */
  readonly bufferedAmount: number;
  /** Closes with a WebSocket close code and a short reason. Idempotent; `close` is then reported. */
  close(code: number, reason: string): void;
  /** What the upgrade decision attached to this connection (the authenticate hook's user data). */
  readonly userData: unknown;
  /** The peer's address as text (informational; may be empty). */
  readonly remoteAddress: string;
}

/** The parts of a WebSocket upgrade request the engine looks at. Header names are lower case. */
export interface UpgradeRequest {
  /** The request path, without the query string. */
  readonly url: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  /** The Origin header, or '' when absent. */
  readonly origin: string;
  /** Subprotocols the client offered, in order. */
  readonly protocols: readonly string[];
  /** Every request header, by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  /** The peer's address as text. */
  readonly remoteAddress: string;
}

/** The engine's answer to an upgrade: accept with a subprotocol and user data, or reject with an HTTP status. */
export type UpgradeDecision =
  | {
      /** Accept the upgrade. */
      readonly ok: true;
      /** The WebSocket subprotocol to answer with (one the client offered). */
      readonly protocol: string;
      /** Data the transport attaches to the connection as {@link Connection.userData}; opaque to the transport. */
      readonly userData: unknown;
    }
  | {
      /** Reject the upgrade. */
      readonly ok: false;
      /** HTTP status of the rejection response (e.g. 400, 401, 403, 503). */
      readonly status: number;
      /** Plain-text body of the rejection response. */
      readonly reason: string;
    };

/** Answers for the plain HTTP routes a network transport serves next to the WebSocket endpoint. */
export interface HttpRoutes {
  /** The body of `GET /health` (JSON). */
  health(): string;
  /** The body of `GET /metrics` in Prometheus text format, and its content type. */
  metrics(): Promise<{
    /** The metrics in the Prometheus text exposition format. */
    readonly body: string;
    /** The Content-Type header value for `body`. */
    readonly contentType: string;
  }>;
  /**
   * The answer to `POST /matchmake` with the request body as UTF-8 text (untrusted; at most
   * `MAX_MATCHMAKE_BODY_BYTES`) and the peer's address. Absent: the route is 404. Never rejects.
   */
  matchmake?(body: string, remoteAddress: string): Promise<JsonAnswer>;
}

/** An HTTP answer the engine computed: a status and a JSON body. */
export interface JsonAnswer {
  /** The HTTP status code. */
  readonly status: number;
  /** The JSON text of the body. */
  readonly body: string;
}

/** Callbacks the engine gives a transport. None of them may throw; the engine catches its own errors. */
export interface TransportHandlers {
  /** Decides an upgrade; may be async (the transport then handles the client going away meanwhile). */
  upgrade(request: UpgradeRequest): UpgradeDecision | Promise<UpgradeDecision>;
  /** A connection is open and may send. */
  open(conn: Connection): void;
  /**
   * A frame arrived. The bytes are valid only during the call: copy what must be kept. `isBinary` is
   * false for a text frame, which the engine treats as a protocol violation like any malformed frame.
   */
  message(conn: Connection, bytes: Uint8Array, isBinary: boolean): void;
  /** The connection closed (by either side); `code` is 1006 when it was not a clean close. */
  close(conn: Connection, code: number, reason: string): void;
  /** The HTTP routes, for transports that serve HTTP. */
  readonly http: HttpRoutes;
}

/** What a transport's `listen` resolves with. */
export interface Listening {
  /** The TCP port actually bound (the chosen free port when `port` was 0; 0 for transports without ports). */
  readonly port: number;
}

/** A network the engine listens on. */
export interface Transport {
  /** Starts accepting on `host:port` (port 0 picks a free port). Resolves with the bound port. */
  listen(port: number, host: string, handlers: TransportHandlers): Promise<Listening>;
  /** Stops accepting new connections; connections already open stay open. Idempotent. */
  stopAccepting(): void;
  /** Stops accepting and releases every resource; open connections are cut (1006). Idempotent. */
  close(): Promise<void>;
}
