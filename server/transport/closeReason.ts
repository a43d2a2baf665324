/** Close reasons as they go on the wire. */

/** A WebSocket close reason may hold at most 123 bytes of UTF-8. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Cuts `reason` to the close frame's limit at a code point boundary (decoder reasons can quote junk bytes). */
export function closeReason(reason: string): string {
  if (Buffer.byteLength(reason) <= MAX_CLOSE_REASON_BYTES) return reason;
  let out = '';
  let bytes = 0;
  for (const ch of reason) {
    bytes += Buffer.byteLength(ch);
    if (bytes > MAX_CLOSE_REASON_BYTES) break;
    out += ch;
  }
  return out;
}
