/**
 * Plays a room live from its HTTP fragments (server/recording/FragmentPublisher.ts; layout in
 * shared/wire/README.md, "Live fragments"): reads `start.twr` and `sync.json`, starts at the latest
 * fragment and fetches the following ones as they appear. A {@link ReplaySource} for a ReplayPlayer, so
 * a live broadcast plays with the same views, controls and interpolation as a recording.
 */
import { fail, ok, type Result } from '../shared/index.ts';
import type { KeyframeEntry, RecordingHeader } from '../shared/wire/RecordingWriter.ts';
import { type ChunkRead, keyframeTickOf, lastTickOf, readPreamble } from '../shared/wire/RecordingReader.ts';
import { CHUNK_HEADER_BYTES, ChunkType, readChunk } from '../shared/wire/recordingFormat.ts';
import type { ReplaySource } from './ReplayPlayer.ts';

/** What a fetch answers, as much of it as this source reads (the browser's `fetch` fits). */
export interface FetchedResponse {
  /** True for a 2xx status. */
  readonly ok: boolean;
  /** The HTTP status (404: the fragment is not published yet). */
  readonly status: number;
  /** The body; called once per response. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Fetches `url` (the browser's `fetch`, or a stand-in in tests). */
export type FetchFn = (url: string) => Promise<FetchedResponse>;

/** Fragments held at most; older ones are dropped (a seek earlier than them goes to the oldest held). */
const MAX_HELD_FRAGMENTS = 64;

/** A live broadcast's fragments, fetched on {@link FragmentSource.poll}. */
export class FragmentSource implements ReplaySource {
  /** Always true: reaching the newest tick waits for more. */
  readonly live = true;
  private readonly entries: KeyframeEntry[] = [];
  private readonly fragments = new Map<number, Uint8Array>();
  private newestTick = -1;
  private nextFragment: number;

  private constructor(
    /** The recording's header. */
    readonly header: RecordingHeader,
    private readonly baseUrl: string,
    private readonly fetchFn: FetchFn,
    latest: number,
  ) {
    this.nextFragment = latest;
  }

  /**
   * Opens the broadcast at `baseUrl` (a folder URL ending in `/`): its header and where it is now.
   * Fails for an unreachable or malformed broadcast.
   */
  static async open(baseUrl: string, fetchFn: FetchFn): Promise<Result<FragmentSource>> {
    try {
      const start = await fetchFn(`${baseUrl}start.twr`);
      if (!start.ok) return fail(`start.twr: HTTP ${start.status}`);
      const pre = readPreamble(new Uint8Array(await start.arrayBuffer()));
      if (!pre.ok) return pre;
      const sync = await fetchFn(`${baseUrl}sync.json`);
      if (!sync.ok) return fail(`sync.json: HTTP ${sync.status}`);
      const latest = latestOf(asciiText(new Uint8Array(await sync.arrayBuffer())));
      if (latest < 0) return fail('sync.json: no fragment number');
      const source = new FragmentSource(pre.value.header, baseUrl, fetchFn, latest);
      const first = await source.poll();
      return first.ok ? ok(source) : first;
    } catch (err) {
      return fail(`broadcast ${baseUrl}: ${(err as Error).message}`);
    }
  }

  /** The seek points held (one per fragment). */
  get keyframes(): readonly KeyframeEntry[] {
    return this.entries;
  }

  /** The newest tick held. */
  get lastTick(): number {
    return this.newestTick;
  }

  /**
   * Fetches the fragments published since the last call, in order, stopping at the first not there yet
   * (a 404). Returns how many arrived; a failure for a malformed fragment or a network error.
   */
  async poll(): Promise<Result<number>> {
    let arrived = 0;
    try {
      for (;;) {
        const res = await this.fetchFn(`${this.baseUrl}${this.nextFragment}.twc`);
        if (res.status === 404) return ok(arrived);
        if (!res.ok) return fail(`fragment ${this.nextFragment}: HTTP ${res.status}`);
        const added = this.add(this.nextFragment, new Uint8Array(await res.arrayBuffer()));
        if (!added.ok) return added;
        this.nextFragment++;
        arrived++;
      }
    } catch (err) {
      return fail(`fragment ${this.nextFragment}: ${(err as Error).message}`);
    }
  }

  /** See {@link ReplaySource.chunk}: positions are fragment numbers. */
  chunk(position: number): Result<ChunkRead> | null {
    const bytes = this.fragments.get(position);
    if (bytes === undefined) return null;
    return ok({ payload: bytes.subarray(CHUNK_HEADER_BYTES), next: position + 1 });
  }

  private add(n: number, bytes: Uint8Array): Result<true> {
    const chunk = readChunk(bytes, 0);
    if (!chunk.ok) return chunk;
    if (chunk.value.type !== ChunkType.Data || CHUNK_HEADER_BYTES + chunk.value.payload.length !== bytes.length)
      return fail(`fragment ${n}: not one data chunk`);
    const payload = chunk.value.payload;
    const tick = lastTickOf(payload);
    const keyframeTick = keyframeTickOf(payload);
    if (tick < 0 || keyframeTick < 0 || keyframeTick <= this.newestTick)
      return fail(`fragment ${n}: malformed, or not after the fragments held`);
    this.fragments.set(n, bytes);
    this.entries.push({ tick: keyframeTick, offset: n });
    this.newestTick = tick;
    if (this.entries.length > MAX_HELD_FRAGMENTS) this.fragments.delete(this.entries.shift()!.offset);
    return ok(true);
  }
}

/** The `latest` fragment number of a sync.json text, or -1. */
function latestOf(text: string): number {
  try {
    const sync = JSON.parse(text) as { latest?: unknown };
    return Number.isInteger(sync.latest) && (sync.latest as number) >= 0 ? (sync.latest as number) : -1;
  } catch {
    return -1;
  }
}

/** `bytes` as text, byte per character (sync.json is ASCII JSON; anything else fails to parse). */
function asciiText(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length && i < 4096; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
