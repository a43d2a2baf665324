/**
 * The Server's answers to `GET /health`, `GET /metrics` and `POST /matchmake`, which every network
 * transport serves.
 */
import type { ServerMetrics } from './ServerMetrics.ts';
import type { MatchmakeAnswer } from './cluster/matchmakeRequest.ts';
import type { HttpRoutes } from './transport/Transport.ts';

/** What `GET /health` reports, read at each request. */
export interface HealthFigures {
  /** False once the server is shutting down. */
  readonly ok: boolean;
  /** Open rooms. */
  readonly rooms: number;
  /** Open connections, handshaking or joined. */
  readonly clients: number;
  /** The built-in tick loop's tick count. */
  readonly tick: number;
}

/**
 * The HTTP routes of one Server: `health` is the JSON of `figures()`; `metrics` calls `flush()` (so the
 * gauges are current) and renders `metrics`; `matchmake` answers with the JSON of `matchmake(body)`. The
 * routes read the server at each request; keep none.
 */
export function serverRoutes(
  metrics: ServerMetrics,
  figures: () => HealthFigures,
  flush: () => void,
  matchmake: (body: string, remoteAddress: string) => Promise<MatchmakeAnswer>,
): HttpRoutes {
  return {
    matchmake: (body, address) =>
      matchmake(body, address).then((a) => ({ status: a.status, body: JSON.stringify(a.body) })),
    health: () => JSON.stringify(figures()),
    metrics: () => {
      flush();
      return metrics.render();
    },
  };
}
