/**
 * Per-connection limits on incoming frames, checked before a frame is decoded: binary only, at most
 * `maxPayloadBytes`, and at most `maxMessagesPerSecond` sustained (a token bucket with `messageBurst`).
 */
import { CloseCode } from '../shared/index.ts';
import { TokenBucket } from './TokenBucket.ts';

/** Why a frame was refused: the close code to send and the reason. */
export interface FrameRefusal {
  /** The WebSocket close code (a CloseCode). */
  readonly code: number;
  /** The close reason, plain text. */
  readonly reason: string;
}

/** The limits a {@link FrameLimiter} enforces (the Server's resolved options carry them). */
export interface FrameLimits {
  /** Largest frame accepted, bytes. */
  readonly maxPayloadBytes: number;
  /** Sustained frames per second accepted. */
  readonly maxMessagesPerSecond: number;
  /** Frames accepted back to back before the sustained rate applies. */
  readonly messageBurst: number;
}

/**
 * The frame limits of one connection, from its open to its close; owned by that connection's state.
 * Time is the server clock's, in ms.
 */
export class FrameLimiter {
  private readonly bucket: TokenBucket;

  /** A limiter for a connection opened at `nowMs`, with a full burst; keeps `limits`. */
  constructor(
    private readonly limits: FrameLimits,
    nowMs: number,
  ) {
    this.bucket = new TokenBucket(limits.maxMessagesPerSecond, limits.messageBurst, nowMs);
  }

  /**
   * Checks one frame that arrived at `nowMs`: null to decode it, else why the sender is closed. A frame
   * refused as text or oversize takes no token; an accepted one does.
   */
  check(bytes: Uint8Array, isBinary: boolean, nowMs: number): FrameRefusal | null {
    const limits = this.limits;
    if (!isBinary) return { code: CloseCode.Malformed, reason: 'text frames are not part of the protocol' };
    if (bytes.byteLength > limits.maxPayloadBytes)
      return { code: CloseCode.Oversize, reason: `frame over ${limits.maxPayloadBytes} bytes` };
    if (!this.bucket.take(nowMs))
      return { code: CloseCode.RateLimited, reason: `more than ${limits.maxMessagesPerSecond} messages per second` };
    return null;
  }
}
