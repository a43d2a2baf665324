/** Tickwave's Node-only client pieces: the `ws` socket adapter for bots, tools and tests. */
export { wsSocketFactory } from './wsSocket.ts';
export type { WsSocketOptions } from './wsSocket.ts';
