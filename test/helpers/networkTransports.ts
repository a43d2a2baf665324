/**
 * The network transports the tests run against on this Node: ws everywhere, uWS where its native
 * binary loads. Where it does not (Node 22, 24), the uWS variants are not skipped: a test asserts that
 * asking for uWS fails with the message that names the package and the fix.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Server, type Transport, UwsTransport, WsTransport } from '../../server/index.ts';

/** A network transport by its option name. */
export type NetworkName = 'uws' | 'ws';

/** Why uWS cannot run on this Node, or null when it loads. */
export const uwsLoadError: Error | null = await UwsTransport.load().then(
  () => null,
  (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
);

/** The network transports that run here, uWS first when it loads. */
export const NETWORK_TRANSPORTS: readonly NetworkName[] = uwsLoadError === null ? ['uws', 'ws'] : ['ws'];

/** Options both network transports take. */
export interface NetworkOptions {
  readonly maxPayloadBytes?: number | undefined;
  readonly staticDir?: string | undefined;
  readonly idleTimeoutSec?: number;
}

/** A new, not yet listening transport of `name`. */
export function networkTransport(name: NetworkName, options: NetworkOptions = {}): Transport {
  return name === 'uws' ? new UwsTransport(options) : new WsTransport(options);
}

/**
 * Where uWS does not load, registers a `describe(title)` whose tests assert the clear failure instead
 * of the uWS variants; returns true then. Returns false (registering nothing) where uWS loads. On
 * Node 20 uWS must load: a broken install fails here rather than skipping every uWS test.
 */
export function describeUwsUnavailable(title: string): boolean {
  if (uwsLoadError === null) return false;
  describe(title, () => {
    it('is not Node 20, where the bundled uWS build must load', () => {
      assert.ok(!process.version.startsWith('v20.'), `uWS must load on Node 20: ${uwsLoadError.message}`);
    });
    it('fails with a message naming uWebSockets.js, this Node and the ws alternative', async () => {
      const pattern = new RegExp(`uWebSockets\\.js: the native binary did not load .*Node ${process.version}.*'ws'`);
      assert.match(uwsLoadError.message, pattern);
      const server = new Server({ logger: { warn: () => {}, error: () => {} }, transport: 'uws' });
      await assert.rejects(server.listen(0, '127.0.0.1'), pattern);
      await assert.rejects(new UwsTransport().listen(0, '127.0.0.1', null as never), pattern);
      await server.close();
    });
  });
  return true;
}
