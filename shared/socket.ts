/**
 * A client's end of a message connection, as the client core sees it: a browser WebSocket, a `ws`
 * socket in Node, or the in-memory transport's client end all fit behind this. Frames are binary.
 */
export interface ClientSocket {
  /** Sends one binary frame. The bytes are the caller's; the socket copies or sends them at once. */
  send(data: Uint8Array): void;
  /** Closes the connection with a WebSocket close code and a short reason. Idempotent. */
  close(code?: number, reason?: string): void;
  /** Bytes accepted by `send` but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Called once when the connection is open. */
  onopen: (() => void) | null;
  /** Called with each received binary frame; the bytes are owned by the handler. */
  onmessage: ((data: Uint8Array) => void) | null;
  /** Called once when the connection is closed, with the close code and reason (1006 if abnormal). */
  onclose: ((code: number, reason: string) => void) | null;
}

/** Opens a ClientSocket to `url`, negotiating `protocol` (the Tickwave subprotocol). */
export type SocketFactory = (url: string, protocol: string) => ClientSocket;
