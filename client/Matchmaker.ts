/**
 * The client's half of joining through matchmaking: asks any server process (`POST /matchmake`) to
 * join or create a room of a type, and remembers which process owns the session, so a reconnect goes
 * to that process; when it is gone (410) the session is lost and the next answer is a fresh join.
 * DOM-free: posts with `globalThis.fetch` (browsers, Node 18+) unless given a `post` function.
 */

/** An HTTP response as matchmaking reads it. */
export interface PostedJson {
  /** The HTTP status code. */
  readonly status: number;
  /** The response body as text (JSON when the status is 200). */
  readonly text: string;
}

/** Posts `body` (JSON text) to `url`; resolves with the status and the response text, rejects when unreachable. */
export type PostJson = (url: string, body: string) => Promise<PostedJson>;

/** Settings of matchmaking (the client's `matchmake` option). */
export interface MatchmakeOptions {
  /**
   * The matchmaking endpoint of any server process, absolute (`http://host:8080/matchmake`), or several:
   * after a failed request the next one is asked, so no single process is a point of failure.
   */
  readonly url: string | readonly string[];
  /** The room type to join (or create when no room of it has a free seat). */
  readonly type: string;
  /**
   * The WebSocket URL when an answer names no process URL (a server without a cluster `publicUrl`).
   * Default: the endpoint's host, `ws://host:port` (`wss://` for an https endpoint).
   */
  readonly socketUrl?: string;
  /** How to post. Default: `globalThis.fetch`. */
  readonly post?: PostJson;
}

/** Where to open the next socket. */
export interface MatchTarget {
  /** The WebSocket URL, with the seat in its query for a fresh join. */
  readonly url: string;
  /** The room id to name in the Hello (null when resuming). */
  readonly room: string | null;
  /** True when the session's process is gone: the resume token must be dropped (a fresh join). */
  readonly sessionLost: boolean;
}

interface FetchResponse {
  readonly status: number;
  text(): Promise<string>;
}
type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
) => Promise<FetchResponse>;

const ENDPOINT = /^(https?):\/\/([^/?#\s]+)/;

/** One client's matchmaking; owned by its Connection. */
export class Matchmaker {
  private owner: { readonly processId: string; readonly url: string } | null = null;
  private readonly post: PostJson;
  private readonly endpoints: readonly { readonly url: string; readonly origin: string }[];
  private next = 0;

  /** Checks `options` (throws a TypeError for a relative or non-http endpoint). */
  constructor(private readonly options: MatchmakeOptions) {
    const urls = typeof options?.url === 'string' ? [options.url] : [...(options?.url ?? [])];
    this.endpoints = urls.map((url) => {
      const m = ENDPOINT.exec(typeof url === 'string' ? url : '');
      if (m === null) throw new TypeError(`matchmake: url must be http(s)://host/matchmake; got ${String(url)}`);
      return { url, origin: `${m[1] === 'https' ? 'wss:' : 'ws:'}//${m[2]}` };
    });
    if (this.endpoints.length === 0 || typeof options.type !== 'string')
      throw new TypeError('matchmake: need { url: "http(s)://host/matchmake" (or a list), type }');
    this.post = options.post ?? fetchPost;
  }

  /**
   * Where to connect next: the owning process when `resuming` (if it is still there), else a fresh
   * seat. Rejects with a readable Error when the matchmaker cannot be reached or refuses.
   */
  async target(resuming: boolean): Promise<MatchTarget> {
    if (resuming && this.owner !== null) {
      const answer = await this.ask({ owner: this.owner.processId });
      if (answer.status === 200)
        return { url: this.wsUrl(String(answer.body.url ?? '')), room: null, sessionLost: false };
      if (answer.status !== 410) throw new Error(`matchmake: ${answer.status} ${String(answer.body.error ?? '')}`);
      this.owner = null;
      return { ...(await this.join()), sessionLost: true };
    }
    return { ...(await this.join()), sessionLost: false };
  }

  private async join(): Promise<{ url: string; room: string }> {
    const answer = await this.ask({ type: this.options.type });
    const { url, roomId, seat, owner, error } = answer.body;
    if (answer.status !== 200 || typeof roomId !== 'string' || typeof seat !== 'string' || typeof owner !== 'string')
      throw new Error(`matchmake: ${answer.status} ${String(error ?? 'malformed answer')}`);
    const base = this.wsUrl(String(url ?? ''));
    this.owner = { processId: owner, url: base };
    return { url: `${base}${base.includes('?') ? '&' : '?'}seat=${encodeURIComponent(seat)}`, room: roomId };
  }

  private async ask(request: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const endpoint = this.endpoints[this.next % this.endpoints.length]!;
    let answer: PostedJson;
    try {
      answer = await this.post(endpoint.url, JSON.stringify(request));
    } catch (err) {
      this.next++;
      throw err;
    }
    if (answer.status >= 500) this.next++;
    const { status, text } = answer;
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    return { status, body: body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {} };
  }

  /** A process URL from an answer, or the endpoint's own host when the answer says '' (one process). */
  private wsUrl(url: string): string {
    if (url !== '') return url;
    return this.options.socketUrl ?? this.endpoints[this.next % this.endpoints.length]!.origin;
  }
}

const fetchPost: PostJson = async (url, body) => {
  const fetch = (globalThis as { fetch?: FetchLike }).fetch;
  if (fetch === undefined) throw new Error('matchmake: no globalThis.fetch here; pass matchmake.post');
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, text: await response.text() };
};

/** The Connection's `target` option for a client with `matchmake` options, or none without. */
export function matchTarget(options: { readonly matchmake?: MatchmakeOptions }): {
  target?: (resuming: boolean) => Promise<MatchTarget>;
} {
  if (options.matchmake === undefined) return {};
  const matchmaker = new Matchmaker(options.matchmake);
  return { target: (resuming) => matchmaker.target(resuming) };
}
