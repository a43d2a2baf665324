/**
 * Tickwave's Pixi.js helpers (the package's `tickwave/client/pixi` entry): entity views kept in step
 * with `client.frame()`, and the net-graph overlay. The only part of the client that imports pixi.js.
 */
export { EntityViews } from './EntityViews.ts';
export type { EntityViewAdapter, Identified } from './EntityViews.ts';
export {
  DEFAULT_NET_GRAPH_HEIGHT_PX,
  DEFAULT_NET_GRAPH_SAMPLE_INTERVAL_MS,
  DEFAULT_NET_GRAPH_SAMPLES,
  DEFAULT_NET_GRAPH_WIDTH_PX,
  NetGraph,
} from './NetGraph.ts';
export type { NetGraphOptions } from './NetGraph.ts';
