/**
 * The play-feel benchmark's harness (bench/feel.ts): the real Server over the memory transport and
 * real TickwaveClients behind NetworkConditioners, on one manual clock, each client drawing frames at
 * its display rate. What a frame draws is recorded per client: its own ship, the other players' ships
 * and the bots.
 *
 * Timing is modelled on a browser and a Node server: display frames come at the display rate with
 * {@link FRAME_JITTER_MS} of callback jitter and a drift of {@link DISPLAY_DRIFT} (a display's clock is
 * not the server's), and each server tick fires up to {@link TIMER_LATE_MS} late (setTimeout).
 */
import { type ConditionerOptions, NetworkConditioner, TickwaveClient } from '../client/index.ts';
import { type Clock, MemoryTransport, Server } from '../server/index.ts';
import { ManualClock, seededRandom } from '../shared/index.ts';
import { courseInput, type FeelSchema, feelRoom, feelSchema, flyShip, type ServerMoves } from './feelGame.ts';

/** Callback jitter of a display frame, ± ms. */
export const FRAME_JITTER_MS = 0.5;
/** A display's refresh runs this fraction slower than nominal against the server's clock. */
export const DISPLAY_DRIFT = 0.001;
/** A server tick timer fires up to this late, ms (uniform). */
export const TIMER_LATE_MS = 2;

/** What one client drew on one frame. */
export interface FrameRecord {
  /** The frame's time, ms. */
  readonly atMs: number;
  /** Per entity id: [x, y, heading] as drawn. */
  readonly drawn: ReadonlyMap<number, readonly [number, number, number]>;
  /** The client's interpolation delay at that frame, ms. */
  readonly interpDelayMs: number;
}

/** One player: a client, its display rate and what it drew. */
export class Viewer {
  readonly frames: FrameRecord[] = [];
  /** When each input was sampled, by seq (ms). */
  readonly sentAtMs: number[] = [];
  /** Input-to-acknowledgement times, ms (send to the first snapshot acknowledging it). */
  readonly ackMs: number[] = [];
  /** Sizes of the prediction corrections seen, in units. */
  readonly corrections: number[] = [];
  /** When the scripted course started (its input time origin), ms. */
  courseStartMs = NaN;
  /** The client's missed-input count when recording started (NaN before; undefined if not reported). */
  missedAtStart: number | undefined = Number.NaN;
  private acked = -1;
  private seenCorrections = 0;

  constructor(
    readonly client: TickwaveClient<FeelSchema>,
    readonly fps: number,
    private readonly clock: ManualClock,
  ) {
    client.onSnapshot((_snap, lastInputSeq) => {
      for (let s = this.acked + 1; s <= lastInputSeq && s < this.sentAtMs.length; s++)
        this.ackMs.push(clock.now() - this.sentAtMs[s]!);
      this.acked = Math.max(this.acked, lastInputSeq);
    });
  }

  /** The entity id of this player's ship, or -1 before joining. */
  get shipId(): number {
    return this.client.welcome?.entityId ?? -1;
  }

  /** One display frame at the current time: send due inputs, draw, record. */
  frame(record: boolean): void {
    const now = this.clock.now();
    if (Number.isNaN(this.courseStartMs) && this.client.state === 'joined') this.courseStartMs = now;
    this.client.update(now, () => {
      this.sentAtMs.push(now);
      return courseInput(now - this.courseStartMs);
    });
    const entities = this.client.frame(now);
    const stats = this.client.stats;
    if (stats.corrections > this.seenCorrections) {
      this.seenCorrections = stats.corrections;
      if (record) this.corrections.push(stats.lastCorrection);
    }
    if (!record) return;
    if (Number.isNaN(this.missedAtStart)) this.missedAtStart = missedOf(stats);
    const drawn = new Map<number, readonly [number, number, number]>();
    for (const [id, e] of entities) drawn.set(id, [e.state.x, e.state.y, e.state.heading]);
    this.frames.push({ atMs: now, drawn, interpDelayMs: stats.interpDelayMs });
  }
}

/** The client's `missedInputs`, or undefined where the client does not report it (older versions). */
export function missedOf(stats: object): number | undefined {
  return (stats as { readonly missedInputs?: number }).missedInputs;
}

/** A run's parts: the clock, the server, the players and the room's per-tick moves. */
export interface FeelRun {
  readonly clock: ManualClock;
  readonly server: Server;
  readonly viewers: readonly Viewer[];
  readonly moves: ServerMoves;
  readonly tickRateHz: number;
}

/**
 * Starts the server at `tickRateHz` and one client per display rate in `fps`, each behind a conditioner
 * with `conditions` (null: a clean link), and runs until each joined. The caller runs frames and closes.
 */
export async function startRun(
  tickRateHz: number,
  fps: readonly number[],
  conditions: ConditionerOptions | null,
  seed: number,
): Promise<FeelRun> {
  const clock = new ManualClock();
  const random = seededRandom(seed);
  // A Node server's setTimeout fires a little late: so do this server's tick timers.
  const serverClock: Clock = {
    now: clock.now,
    schedule: (fn, delayMs) => clock.schedule(fn, delayMs + random() * TIMER_LATE_MS),
    cancel: clock.cancel,
  };
  const memory = new MemoryTransport({ clock });
  const server = new Server({ clock: serverClock, transport: memory, tickRateHz, logger: { warn() {}, error() {} } });
  const moves: ServerMoves = { byClient: new Map() };
  server.define('feel', feelRoom(moves, tickRateHz));
  await server.listen(0);
  const viewers = fps.map((rate, i) => {
    const raw = () => memory.connect();
    const factory =
      conditions === null ? raw : NetworkConditioner.factory(raw, { ...conditions, seed: seed * 10 + i }, clock);
    const client = new TickwaveClient(feelSchema, {
      url: 'memory://feel',
      socketFactory: factory,
      room: 'feel',
      now: clock.now,
      schedule: clock.schedule,
      cancel: clock.cancel,
      prediction: { apply: flyShip },
    });
    client.connect();
    return new Viewer(client, rate, clock);
  });
  for (let i = 0; i < 200 && viewers.some((v) => v.client.state !== 'joined'); i++)
    await clock.flowTo(clock.now() + 10);
  if (viewers.some((v) => v.client.state !== 'joined')) throw new Error('feel bench: a client did not join');
  return { clock, server, viewers, moves, tickRateHz };
}

/**
 * Runs every viewer's display frames for `ms` from now (recording them after `warmupMs`), each frame
 * timed by its display rate with drift and callback jitter.
 */
export async function runFrames(run: FeelRun, ms: number, warmupMs: number, seed: number): Promise<void> {
  const { clock, viewers } = run;
  const random = seededRandom(seed);
  const start = clock.now();
  const recordFrom = start + warmupMs;
  const end = start + ms;
  for (const v of viewers) {
    const period = (1000 / v.fps) * (1 + DISPLAY_DRIFT);
    let vsync = start + random() * period;
    const next = (): void => {
      vsync += period;
      if (vsync >= end) return;
      clock.schedule(tick, vsync + (random() * 2 - 1) * FRAME_JITTER_MS - clock.now());
    };
    const tick = (): void => {
      v.frame(clock.now() >= recordFrom);
      next();
    };
    next();
  }
  await clock.flowTo(end);
}
