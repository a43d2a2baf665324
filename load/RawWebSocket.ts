/**
 * A minimal WebSocket client over node:net for load-test bots: the HTTP/1.1 upgrade (with a
 * subprotocol), masked client frames, and a frame parser for unmasked server frames (binary, close,
 * ping → pong). Much lighter per message than the `ws` package, so one process can drive thousands of
 * sockets. Binary frames only; no extensions, no fragmentation of what it sends. Not a general
 * client: it trusts the server it tests (no limits on frame sizes beyond the 32-bit length).
 *
 * Masking keys come from a fast per-socket PRNG, not a CSPRNG: the masking requirement protects
 * browsers against cache poisoning by hostile scripts, which a load bot talking to its own server
 * does not need; the server cannot tell the difference.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Longest HTTP upgrade response accepted, bytes. */
const MAX_HANDSHAKE_BYTES = 16 * 1024;
/** Time after sending a Close frame before the socket is destroyed, ms. */
const CLOSE_LINGER_MS = 1000;

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** What a {@link RawWebSocket} reports. */
export interface RawWebSocketHandlers {
  /** The upgrade succeeded with the requested subprotocol. */
  open(): void;
  /**
   * One binary message. `payload` aliases the socket's receive buffer: read it before returning.
   * `frameBytes` is the payload plus the WebSocket frame headers it arrived with.
   */
  message(payload: Buffer, frameBytes: number): void;
  /** The connection ended: the close code (1006 if none was received) and reason. Called once. */
  close(code: number, reason: string): void;
}

/** One WebSocket connection. Create it and it connects at once. */
export class RawWebSocket {
  /** Bytes received after the handshake (frame headers included). */
  bytesIn = 0;
  /** Bytes sent after the handshake (frame headers and masks included). */
  bytesOut = 0;
  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private opened = false;
  private closed = false;
  private closeSent = false;
  private pending: Buffer | null = null;
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private maskState: number;

  /**
   * @param url `ws://host:port/path` (wss is not supported)
   * @param protocol the subprotocol to request (and require in the answer)
   * @param handlers callbacks; exceptions they throw close the socket
   */
  constructor(
    url: string,
    private readonly protocol: string,
    private readonly handlers: RawWebSocketHandlers,
  ) {
    const u = new URL(url);
    if (u.protocol !== 'ws:') throw new RangeError(`RawWebSocket: only ws:// URLs are supported; got ${url}`);
    const port = u.port === '' ? 80 : Number(u.port);
    this.maskState = (randomBytes(4).readUInt32LE(0) | 1) >>> 0;
    this.socket = connect({ host: u.hostname, port, noDelay: true });
    const path = `${u.pathname}${u.search}`;
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => {
      try {
        if (this.opened) this.receive(chunk);
        else this.handshake(chunk);
      } catch (err) {
        this.fail(1006, err instanceof Error ? err.message : String(err));
      }
    });
    this.socket.on('error', () => {});
    this.socket.on('close', () => this.finish(1006, 'connection lost'));
  }

  /** True between the upgrade and the close. */
  get isOpen(): boolean {
    return this.opened && !this.closed;
  }

  /** Bytes queued in the socket, not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /** Sends `payloads` as binary frames in one write. A no-op when not open. */
  send(...payloads: Uint8Array[]): void {
    if (!this.isOpen || this.closeSent) return;
    let size = 0;
    for (const p of payloads) size += headerBytes(p.byteLength, true) + p.byteLength;
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of payloads) at = this.writeFrame(out, at, OP_BINARY, p);
    this.bytesOut += size;
    this.socket.write(out);
  }

  /** Sends a Close frame with `code` and ends the socket; `close` follows. Idempotent. */
  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    if (!this.opened) {
      this.socket.destroy();
      return;
    }
    this.sendClose(code, reason);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_LINGER_MS).unref();
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const text = Buffer.from(reason.slice(0, 60), 'utf8');
    const body = Buffer.allocUnsafe(2 + text.byteLength);
    body.writeUInt16BE(code, 0);
    text.copy(body, 2);
    const out = Buffer.allocUnsafe(headerBytes(body.byteLength, true) + body.byteLength);
    this.writeFrame(out, 0, OP_CLOSE, body);
    this.socket.write(out);
  }

  private handshake(chunk: Buffer): void {
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) {
      if (data.byteLength > MAX_HANDSHAKE_BYTES) throw new Error('upgrade response too long');
      this.pending = data;
      return;
    }
    this.pending = null;
    const head = data.subarray(0, end).toString('latin1');
    const lines = head.split('\r\n');
    const status = lines[0] ?? '';
    if (!/^HTTP\/1\.1 101 /.test(status)) throw new Error(`upgrade refused: ${status.slice(0, 80)}`);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const accept = createHash('sha1')
      .update(this.key + WS_GUID)
      .digest('base64');
    if (headers.get('sec-websocket-accept') !== accept)
      throw new Error('upgrade answer has a wrong Sec-WebSocket-Accept');
    if (headers.get('sec-websocket-protocol') !== this.protocol)
      throw new Error(`server did not accept subprotocol ${this.protocol}`);
    this.opened = true;
    this.handlers.open();
    if (end + 4 < data.byteLength) this.receive(data.subarray(end + 4));
  }

  private receive(chunk: Buffer): void {
    this.bytesIn += chunk.byteLength;
    let data = chunk;
    if (this.pending !== null) {
      data = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let at = 0;
    while (!this.closed) {
      const left = data.byteLength - at;
      if (left < 2) break;
      const b0 = data[at]!;
      const b1 = data[at + 1]!;
      if ((b1 & 0x80) !== 0) throw new Error('server frame is masked');
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (left < 4) break;
        len = data.readUInt16BE(at + 2);
        head = 4;
      } else if (len === 127) {
        if (left < 10) break;
        if (data.readUInt32BE(at + 2) !== 0) throw new Error('server frame over 4 GiB');
        len = data.readUInt32BE(at + 6);
        head = 10;
      }
      if (left < head + len) break;
      const payload = data.subarray(at + head, at + head + len);
      at += head + len;
      this.frame(b0 & 0x0f, (b0 & 0x80) !== 0, payload, head + len);
    }
    if (at < data.byteLength && !this.closed) this.pending = Buffer.from(data.subarray(at));
  }

  private frame(opcode: number, fin: boolean, payload: Buffer, frameBytes: number): void {
    switch (opcode) {
      case OP_BINARY:
      case OP_CONTINUATION:
        if (fin && this.fragments.length === 0) {
          if (opcode === OP_BINARY) this.handlers.message(payload, frameBytes);
          return;
        }
        this.fragments.push(Buffer.from(payload));
        this.fragmentBytes += frameBytes;
        if (fin) {
          const whole = Buffer.concat(this.fragments);
          const bytes = this.fragmentBytes;
          this.fragments = [];
          this.fragmentBytes = 0;
          this.handlers.message(whole, bytes);
        }
        return;
      case OP_TEXT:
        this.fail(1003, 'text frame');
        return;
      case OP_CLOSE: {
        const code = payload.byteLength >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.byteLength > 2 ? payload.subarray(2).toString('utf8') : '';
        this.sendClose(code === 1005 ? 1000 : code, '');
        this.socket.end();
        this.finish(code, reason);
        return;
      }
      case OP_PING: {
        if (this.closeSent) return;
        const out = Buffer.allocUnsafe(headerBytes(payload.byteLength, true) + payload.byteLength);
        this.writeFrame(out, 0, OP_PONG, payload);
        this.socket.write(out);
        return;
      }
      case OP_PONG:
        return;
      default:
        this.fail(1002, `unknown opcode ${opcode}`);
    }
  }

  private writeFrame(out: Buffer, at: number, opcode: number, payload: Uint8Array): number {
    const n = payload.byteLength;
    out[at++] = 0x80 | opcode;
    if (n < 126) out[at++] = 0x80 | n;
    else if (n < 0x10000) {
      out[at++] = 0x80 | 126;
      out.writeUInt16BE(n, at);
      at += 2;
    } else {
      out[at++] = 0x80 | 127;
      out.writeUInt32BE(0, at);
      out.writeUInt32BE(n, at + 4);
      at += 8;
    }
    // xorshift32: a fresh masking key per frame.
    let s = this.maskState;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    this.maskState = s;
    out.writeUInt32BE(s, at);
    const m0 = s >>> 24;
    const m1 = (s >>> 16) & 0xff;
    const m2 = (s >>> 8) & 0xff;
    const m3 = s & 0xff;
    at += 4;
    for (let i = 0; i < n; i++) {
      const m = (i & 3) === 0 ? m0 : (i & 3) === 1 ? m1 : (i & 3) === 2 ? m2 : m3;
      out[at + i] = payload[i]! ^ m;
    }
    return at + n;
  }

  private fail(code: number, reason: string): void {
    if (this.closed) return;
    if (this.opened) this.sendClose(code, reason);
    this.socket.destroy();
    this.finish(code === 1003 || code === 1002 ? code : 1006, reason);
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    this.handlers.close(code, reason);
  }
}

/** WebSocket frame header size for a payload of `n` bytes (with a 4-byte mask when `masked`). */
export function headerBytes(n: number, masked: boolean): number {
  return (n < 126 ? 2 : n < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}
