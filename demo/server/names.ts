/** Player names: what a stranger may type, cut down to something safe to draw next to a ship. */

/** Longest name kept, in UTF-8 bytes (the schema's `name` field holds 16). */
export const MAX_NAME_BYTES = 16;

const encoder = new TextEncoder();
// Letters, marks, digits, spaces and a little punctuation; everything else (controls, bidi overrides,
// zero-width characters, symbols) is dropped.
const ALLOWED = /[^\p{L}\p{M}\p{N} _.-]/gu;

/**
 * Cleans a join option into a display name: keeps letters, digits, spaces and `_ . -`, collapses
 * runs of spaces, trims, and cuts to {@link MAX_NAME_BYTES} UTF-8 bytes at a code point boundary.
 * Returns `fallback` when nothing is left or `raw` is not a string.
 */
export function sanitizeName(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string') return fallback;
  const cleaned = raw.normalize('NFC').replace(ALLOWED, '').replace(/\s+/g, ' ').trim();
  let out = '';
  let bytes = 0;
  for (const ch of cleaned) {
    bytes += encoder.encode(ch).byteLength;
    if (bytes > MAX_NAME_BYTES) break;
    out += ch;
  }
  out = out.trim();
  return out === '' ? fallback : out;
}
