/**
 * The hostile-input side of matchmaking: the `POST /matchmake` JSON body and the `seat` of an upgrade's
 * query string, checked field by field into results; nothing here throws on any input.
 *
 *   POST /matchmake  {"type":"arena"}          → 200 {"url","roomId","seat","type"}  (join or create)
 *   POST /matchmake  {"owner":"<process id>"}  → 200 {"url"} of that process, or 410 when it is gone
 *
 * A reconnecting client holding a resume token asks with the process id its join answered, and resumes
 * there; a 410 means the session died with its process, and the client joins afresh.
 */

/** Largest `POST /matchmake` body read, bytes; a longer one gets 413 without being read further. */
export const MAX_MATCHMAKE_BODY_BYTES = 1024;

const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const PROCESS_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SEAT = /^([A-Za-z0-9_]{1,64}\.[0-9a-f]{1,16})\.[A-Za-z0-9_-]{1,32}$/;

/** A checked matchmaking request: join or create a room of `type`, or find a session's process. */
export type MatchmakeRequest =
  | { readonly kind: 'join'; readonly type: string }
  | { readonly kind: 'resume'; readonly processId: string };

/** The answer to a matchmaking request: an HTTP status and a JSON body. */
export interface MatchmakeAnswer {
  /** 200, or 400/404/410/413/503 with `{ error }`. */
  readonly status: number;
  /** The JSON body. */
  readonly body: Readonly<Record<string, string>>;
}

/** A parse result: the request, or why it is refused. */
export type MatchmakeParse = { ok: true; value: MatchmakeRequest } | { ok: false; reason: string };

/** Parses a `POST /matchmake` body (untrusted bytes as text). */
export function parseMatchmakeBody(text: string): MatchmakeParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'body must be JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, reason: 'body must be a JSON object' };
  const type = Object.hasOwn(value, 'type') ? (value as { type: unknown }).type : undefined;
  const owner = Object.hasOwn(value, 'owner') ? (value as { owner: unknown }).owner : undefined;
  if (owner !== undefined) {
    if (typeof owner === 'string' && PROCESS_ID.test(owner))
      return { ok: true, value: { kind: 'resume', processId: owner } };
    return { ok: false, reason: 'malformed owner' };
  }
  if (typeof type === 'string' && TYPE_NAME.test(type)) return { ok: true, value: { kind: 'join', type } };
  return { ok: false, reason: 'give "type" (a room type name) or "owner" (a process id)' };
}

/** The seat in an upgrade query string (`seat=<room id>.<nonce>`), or null when absent or malformed. */
export function seatFromQuery(query: string): { readonly seat: string; readonly roomId: string } | null {
  if (query.length > 512) return null;
  const raw = new URLSearchParams(query).get('seat');
  if (raw === null) return null;
  const m = SEAT.exec(raw);
  return m === null ? null : { seat: raw, roomId: m[1]! };
}

/** The JSON text of `answer`'s body. */
export function matchmakeJson(answer: MatchmakeAnswer): string {
  return JSON.stringify(answer.body);
}
