/** The page's query string, read once at start: who to be, which room, and what network to fake. */
import { type ConditionerOptions, parseConditionerQuery } from '../../client/index.ts';
import type { JoinOptions } from '../../shared/index.ts';

/** Most bots a page may ask for with `?bots=` (the server caps it too). */
const MAX_BOTS = 5000;

/** What the page was asked to do. */
export interface PageOptions {
  /** Room type or id to join: `arena`, `stress` when `bots` is given, `bigworld` for `?world=big`. */
  readonly room: string;
  /**
   * Join through matchmaking (`POST /matchmake`): true for the arena and the big world unless `?room=` names
   * a room; a stress room's bot count is a join option, so it joins directly.
   */
  readonly matchmake: boolean;
  /** Join options sent in Hello (name, bots). */
  readonly joinOptions: JoinOptions;
  /** The network conditioner's settings (`?lag=&jitter=&stall=`), or null for a plain connection. */
  readonly conditioner: ConditionerOptions | null;
  /**
   * Watch without a ship (`?spectate=1[&delay=S]`): null to play, else the delay in seconds (0: live).
   * A spectator joins the room directly (no matchmaking seat) and its camera follows a ship.
   */
  readonly spectateDelaySec: number | null;
  /** Whether the net graph starts visible (`?net=0` hides it). */
  readonly netGraph: boolean;
  /**
   * Pixi renderers to try, in order (`?renderer=webgl|webgpu|canvas` picks one). Default WebGL, then
   * canvas; canvas first when WebGL is software-rendered (headless Chromium's SwiftShader), where the
   * 2D canvas is several times faster.
   */
  readonly renderers: readonly RendererName[];
}

/** A Pixi renderer the page can ask for. */
export type RendererName = 'webgl' | 'webgpu' | 'canvas';

const RENDERERS: readonly RendererName[] = ['webgl', 'webgpu', 'canvas'];

/**
 * Reads `?name=`, `?room=`, `?world=big` (the big world), `?bots=` (a stress room with that many
 * roaming bots), `?spectate=1&delay=`, `?net=0`, `?renderer=` and the
 * conditioner's `?lag=&jitter=&stall=&stallEvery=&seed=` from `search`.
 */
export function readPageOptions(search: string): PageOptions {
  const params = new URLSearchParams(search);
  const joinOptions: Record<string, string | number> = {};
  const name = params.get('name');
  if (name !== null && name !== '') joinOptions['name'] = name.slice(0, 64);
  const bots = Number(params.get('bots') ?? NaN);
  const stress = Number.isInteger(bots) && bots >= 0;
  if (stress) joinOptions['bots'] = Math.min(bots, MAX_BOTS);
  const delay = Number(params.get('delay') ?? 0);
  const spectateDelaySec = params.get('spectate') === '1' ? (Number.isFinite(delay) ? Math.max(0, delay) : 0) : null;
  return {
    room: params.get('room') || (params.get('world') === 'big' ? 'bigworld' : stress ? 'stress' : 'arena'),
    matchmake: !params.get('room') && !stress && spectateDelaySec === null,
    joinOptions,
    spectateDelaySec,
    conditioner: parseConditionerQuery(search),
    netGraph: params.get('net') !== '0',
    renderers: chooseRenderers(params.get('renderer')),
  };
}

/** A one-line description of the conditions, for the status line. */
export function describeConditions(c: ConditionerOptions | null): string {
  if (c === null) return '';
  const parts = [`lag ${2 * (c.latencyMs ?? 0)} ms`, `jitter ±${2 * (c.jitterMs ?? 0)} ms`];
  if ((c.stallMs ?? 0) > 0) parts.push(`stalls ${c.stallMs} ms every ~${c.stallIntervalMs} ms`);
  return ` · simulated ${parts.join(', ')}`;
}

function chooseRenderers(asked: string | null): readonly RendererName[] {
  const named = RENDERERS.find((r) => r === asked);
  if (named !== undefined) return [named];
  return softwareWebGL() ? ['canvas', 'webgl'] : ['webgl', 'canvas'];
}

/** True when this browser's WebGL runs on a software rasterizer (SwiftShader, llvmpipe). */
function softwareWebGL(): boolean {
  const gl = document.createElement('canvas').getContext('webgl');
  if (gl === null) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(renderer);
}
