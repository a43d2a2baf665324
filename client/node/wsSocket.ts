/**
 * The `ws` package's WebSocket behind the shared {@link ClientSocket} interface, for Node (load-test
 * bots, integration tests). Kept out of the DOM-free client core: it is typechecked with Node types.
 */
import WebSocket from 'ws';
import type { ClientSocket, SocketFactory } from '../../shared/index.ts';

/**
 * Options for every connection a {@link wsSocketFactory} opens. Tickwave's own type, so the published
 * declarations do not require `@types/ws`.
 */
export interface WsSocketOptions {
  /** Extra HTTP headers on the upgrade request (e.g. Authorization for an `authenticate` hook). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The Origin header to send; servers with an origin allow-list may require one. Default: none. */
  readonly origin?: string;
  /** Give up the opening handshake after this many ms. Default: no limit. */
  readonly handshakeTimeoutMs?: number;
  /** Largest message accepted from the server, bytes. Default: the `ws` package's 100 MiB. */
  readonly maxPayloadBytes?: number;
}

/** Wraps one `ws` socket; the adapter owns it. */
class WsSocket implements ClientSocket {
  onopen: (() => void) | null = null;
  onmessage: ((data: Uint8Array) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  private closed = false;

  constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => this.onopen?.());
    ws.on('message', (data, isBinary) => {
      // A text frame is not part of the protocol: pass it on as bytes that fail to decode.
      const bytes =
        isBinary && Buffer.isBuffer(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new Uint8Array(0);
      this.onmessage?.(bytes);
    });
    ws.on('close', (code, reason) => {
      if (this.closed) return;
      this.closed = true;
      this.onclose?.(code, reason.toString('utf8'));
    });
    // 'error' is always followed by 'close', which reports it; without a listener ws would throw.
    ws.on('error', () => {});
  }

  send(data: Uint8Array): void {
    if (!this.closed && this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.terminate();
      return;
    }
    try {
      this.ws.close(code, reason);
    } catch {
      // ws rejects codes outside 1000 and 3000–4999 and reasons over 123 bytes; close plainly then.
      this.ws.close();
    }
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/** A SocketFactory that opens `ws` connections with `options` (applied to every connection). */
export function wsSocketFactory(options: WsSocketOptions = {}): SocketFactory {
  const wsOptions: WebSocket.ClientOptions = {
    ...(options.headers !== undefined ? { headers: { ...options.headers } } : {}),
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeout: options.handshakeTimeoutMs } : {}),
    ...(options.maxPayloadBytes !== undefined ? { maxPayload: options.maxPayloadBytes } : {}),
  };
  return (url, protocol) => new WsSocket(new WebSocket(url, protocol, wsOptions));
}
