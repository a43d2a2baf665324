/**
 * The run-time choice of network transport for `Server.listen`: uWebSockets.js where its native
 * binary loads (Node 20 with the bundled build), else the `ws` package, which runs on every Node.
 * Both packages are loaded with dynamic imports, so the server module loads without either.
 */
import type { Transport } from './Transport.ts';
import { loadUws, UwsTransport } from './UwsTransport.ts';
import { loadWs, WsTransport } from './WsTransport.ts';
import type { TlsOptions } from './tlsFiles.ts';

/** Which network transport to create: `auto` (uWS if it runs here, else ws), `uws` or `ws`. */
export type TransportChoice = 'auto' | 'uws' | 'ws';

/** Every accepted {@link TransportChoice}, for validation and CLI help. */
export const TRANSPORT_CHOICES: readonly TransportChoice[] = ['auto', 'uws', 'ws'];

/** The options both network transports take (the Server passes its own). */
export interface NetworkTransportOptions {
  /** The engine's frame size limit, bytes (the transport allows twice this before cutting). */
  readonly maxPayloadBytes?: number;
  /** Seconds without traffic before a socket is dropped; pings go out before that. */
  readonly idleTimeoutSec?: number;
  /** Bytes buffered per socket beyond which sends are dropped. */
  readonly maxBackpressureBytes?: number;
  /** Directory of static files for HTTP GET, or undefined for none. */
  readonly staticDir?: string | undefined;
  /** PEM key and certificate paths for wss:// / https://. */
  readonly tls?: TlsOptions | undefined;
}

/** A created transport, its name, and the one line to log about it at start. */
export interface ChosenTransport {
  /** The transport, not yet listening; the caller owns it. */
  readonly transport: Transport;
  /** Which package it runs on. */
  readonly name: 'uws' | 'ws';
  /** One line naming the transport and, for a fallback to ws, why and where to read about it. */
  readonly line: string;
}

/**
 * Creates the transport `choice` asks for. Rejects, naming the package and the install command, when
 * a forced package (or, for `auto`, both) cannot be loaded. Throws a RangeError for an unknown choice.
 */
export async function createTransport(
  choice: TransportChoice,
  options: NetworkTransportOptions,
): Promise<ChosenTransport> {
  if (!TRANSPORT_CHOICES.includes(choice)) {
    const allowed = TRANSPORT_CHOICES.join(', ');
    throw new RangeError(`Server: transport must be a Transport or one of ${allowed}; got ${String(choice)}`);
  }
  if (choice === 'uws') {
    await loadUws();
    return { transport: new UwsTransport(options), name: 'uws', line: 'transport uws (uWebSockets.js)' };
  }
  let why = 'chosen by the transport option';
  if (choice === 'auto') {
    const uws = await loadUws().then(
      () => null,
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    if (uws === null) {
      return { transport: new UwsTransport(options), name: 'uws', line: 'transport uws (uWebSockets.js)' };
    }
    why = uws.includes('not installed')
      ? 'uWebSockets.js is not installed'
      : `uWebSockets.js native binary not available for Node ${process.version}`;
  }
  try {
    await loadWs();
  } catch (err) {
    if (choice === 'ws') throw err;
    throw new Error(
      `Server: no network transport can run: ${why}, and ws is not installed. Install one: ` +
        '`npm install ws` (any Node), or uWebSockets.js for Node 20 (see the README section "Transports").',
      { cause: err },
    );
  }
  return { transport: new WsTransport(options), name: 'ws', line: `transport ws (${why}; see README 'Transports')` };
}
