/**
 * The tests' fault-injecting Transport wrapper: it sits between the real Server and any transport,
 * records the engine-side connections (to read their buffered bytes), lets a test watch every frame a
 * client sends, rewrite frames the server sends (a corrupted snapshot), and close connections behind
 * the server's back with any code (a proxy or a peer dropping them). Network conditions (latency,
 * jitter, stalls) are not its business: MemoryTransport's options and NetworkConditioner apply them.
 */
import type { Connection, SendStatus, Transport, TransportHandlers } from '../../server/index.ts';

/** An engine-side connection seen through the probe; sends go through its `rewrite`. */
class ProbedConnection implements Connection {
  constructor(
    readonly inner: Connection,
    private readonly probe: ProbeTransport,
  ) {}

  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }

  get userData(): unknown {
    return this.inner.userData;
  }

  get remoteAddress(): string {
    return this.inner.remoteAddress;
  }

  send(bytes: Uint8Array): SendStatus {
    const rewrite = this.probe.rewrite;
    return this.inner.send(rewrite === null ? bytes : rewrite(bytes));
  }

  close(code: number, reason: string): void {
    this.inner.close(code, reason);
  }
}

/** See the module comment. Wrap the transport, pass the probe to the Server. */
export class ProbeTransport implements Transport {
  /** The open engine-side connections. */
  readonly connections = new Set<Connection>();
  /** Called with every frame a client sent, before the server sees it (the bytes are borrowed). */
  onClientFrame: ((bytes: Uint8Array) => void) | null = null;
  /** Called with every frame the server sends; returns the bytes to send instead. Null sends them as they are. */
  rewrite: ((bytes: Uint8Array) => Uint8Array) | null = null;
  private readonly probed = new Map<Connection, ProbedConnection>();

  /** @param inner the transport that carries the bytes; owned by the probe (closing the probe closes it). */
  constructor(private readonly inner: Transport) {}

  /** Listens on the inner transport with the server's handlers wrapped. */
  listen(port: number, host: string, handlers: TransportHandlers): Promise<{ readonly port: number }> {
    const probed = (conn: Connection): ProbedConnection => {
      let p = this.probed.get(conn);
      if (p === undefined) {
        p = new ProbedConnection(conn, this);
        this.probed.set(conn, p);
      }
      return p;
    };
    return this.inner.listen(port, host, {
      ...handlers,
      open: (conn) => {
        const p = probed(conn);
        this.connections.add(p);
        handlers.open(p);
      },
      message: (conn, bytes, isBinary) => {
        this.onClientFrame?.(bytes);
        handlers.message(probed(conn), bytes, isBinary);
      },
      close: (conn, code, reason) => {
        const p = probed(conn);
        this.connections.delete(p);
        this.probed.delete(conn);
        handlers.close(p, code, reason);
      },
    });
  }

  /** Closes every open connection with `code` and `reason`, as if the network or a proxy did. */
  closeAll(code: number, reason: string): void {
    for (const conn of [...this.connections]) (conn as ProbedConnection).inner.close(code, reason);
  }

  /** Stops accepting on the inner transport. */
  stopAccepting(): void {
    this.inner.stopAccepting();
  }

  /** Closes the inner transport. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
