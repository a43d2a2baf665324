/**
 * The `ws` package's WebSocket behind the shared {@link ClientSocket} interface, for Node (load-test
 * bots, integration tests). Kept out of the DOM-free client core: it is typechecked with Node types.
 */
import WebSocket from 'ws';
import type { ClientSocket, SocketFactory } from '../../shared/index.ts';

/** Options passed to every `ws` connection (headers such as Origin, maxPayload, …). */
export type WsSocketOptions = WebSocket.ClientOptions;

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
      const bytes = isBinary && Buffer.isBuffer(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(0);
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
  return (url, protocol) => new WsSocket(new WebSocket(url, protocol, options));
}
