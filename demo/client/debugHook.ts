/**
 * A read-only window on the running game for browser tests and measurements: `window.__tickwave`.
 * It exposes figures and positions only; nothing in it changes the game.
 */
import type { ClientStats, TickwaveClient } from '../../client/index.ts';
import { dequantizeEntity, indexOfEntity } from '../../shared/index.ts';
import type { ArenaSchema } from '../game/schema.ts';
import type { FramePerf, PerfSummary } from './FramePerf.ts';

/** A world position, world units. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** What `window.__tickwave` offers. */
export interface TickwaveDebugHook {
  /** The local ship's entity id, or −1 before joining. */
  readonly localId: number;
  /** The connection state. */
  readonly state: string;
  /** Entities drawn now. */
  readonly entityCount: number;
  /** The Pixi renderer in use ('webgl', 'webgpu' or 'canvas'). */
  readonly renderer: string;
  /** Where entity `id` is drawn now (predicted for the local ship), or null. */
  positionOf(id: number): Point | null;
  /** Where entity `id` is in the newest snapshot from the server, or null. */
  serverPositionOf(id: number): Point | null;
  /** A copy of the client's net stats. */
  stats(): ClientStats;
  /** Per-frame timings over the last frames. */
  perf(): PerfSummary;
  /** Starts a fresh timing window. */
  resetPerf(): void;
}

/** Installs the hook on `target` (the window) as a non-writable property. */
export function installDebugHook(
  target: object,
  client: TickwaveClient<ArenaSchema>,
  perf: FramePerf,
  renderer: string,
): void {
  const hook: TickwaveDebugHook = {
    get localId() {
      return client.welcome?.entityId ?? -1;
    },
    get state() {
      return client.state;
    },
    get entityCount() {
      return client.entities.size;
    },
    renderer,
    positionOf(id) {
      const e = client.entities.get(id);
      return e === undefined ? null : { x: e.state.x, y: e.state.y };
    },
    serverPositionOf(id) {
      const snap = client.latestSnapshot;
      const i = snap === null ? -1 : indexOfEntity(snap, id);
      if (snap === null || i < 0) return null;
      const state = dequantizeEntity(client.schema, snap, i);
      return { x: Number(state['x']), y: Number(state['y']) };
    },
    stats: () => ({ ...client.stats }),
    perf: () => perf.summary(),
    resetPerf: () => perf.reset(),
  };
  Object.defineProperty(target, '__tickwave', {
    value: Object.freeze(hook),
    writable: false,
    enumerable: false,
    configurable: false,
  });
}
