/**
 * The browser's WebSocket behind the shared {@link ClientSocket} interface. The client core compiles
 * without DOM types, so the few members used are declared here structurally and the constructor is
 * looked up on `globalThis` when a socket is opened (Deno and Node 22+ have one too).
 */
import type { ClientSocket, SocketFactory } from '../shared/index.ts';

/** The members of the WHATWG WebSocket this adapter uses. */
interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/**
 * Wraps one WebSocket; the adapter owns it. Errors are not listened to: the close event that follows
 * every error carries the code, and the error event carries nothing more.
 */
class BrowserSocket implements ClientSocket {
  onopen: (() => void) | null = null;
  onmessage: ((data: Uint8Array) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  private closed = false;

  constructor(private readonly ws: WebSocketLike) {
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => this.onopen?.();
    ws.onmessage = (event) => {
      // A text frame is not part of the protocol: pass it on as bytes that fail to decode.
      const data = event.data instanceof ArrayBuffer ? new Uint8Array(event.data) : new Uint8Array(0);
      this.onmessage?.(data);
    };
    ws.onclose = (event) => {
      if (this.closed) return;
      this.closed = true;
      this.onclose?.(event.code, event.reason);
    };
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.ws.send(data);
  }

  close(code?: number, reason?: string): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // Browsers reject codes outside 1000 and 3000–4999 and reasons over 123 bytes; close plainly then.
      this.ws.close();
    }
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

/**
 * Opens sockets with `globalThis.WebSocket`, binary frames as ArrayBuffers, negotiating `protocol`.
 * Throws when the host has no WebSocket (use `wsSocketFactory` from `client/node/wsSocket.ts` in Node 20).
 *
 * @category Client
 */
export const browserSocketFactory: SocketFactory = (url, protocol) => {
  const Ctor = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined)
    throw new Error(
      'browserSocketFactory: this host has no WebSocket; in Node use wsSocketFactory from client/node/wsSocket.ts',
    );
  return new BrowserSocket(new Ctor(url, protocol));
};
