/** The typed events of one TickwaveClient, and where errors thrown by their handlers go. */
import type { KindName, Schema, Snapshot, WelcomeMsg } from '../shared/index.ts';
import { toError } from './Connection.ts';
import { Signal } from './Signal.ts';

/**
 * Every event of a client, owned by it. An error thrown by a handler (or by the game's step function,
 * through {@link ClientEvents.report}) is emitted on `error`; one thrown by an `error` handler is dropped.
 */
export class ClientEvents<S extends Schema> {
  /** Reports an error thrown by user code as an `error` event (bound). */
  readonly report = (err: unknown): void => this.error.emit(toError(err, 'a handler threw'));
  /** Errors: undecodable server data, and errors thrown by handlers or the step function. */
  readonly error = new Signal<[Error]>(() => {});
  /** A Welcome was accepted (join or resume). */
  readonly welcome = new Signal<[WelcomeMsg]>(this.report);
  /** A snapshot was applied, with the last input seq the server applied. */
  readonly snapshot = new Signal<[Snapshot, number]>(this.report);
  /** An entity appeared on screen. */
  readonly added = new Signal<[number, KindName<S>]>(this.report);
  /** An entity left the screen. */
  readonly removed = new Signal<[number]>(this.report);
  /** The connection closed: code, reason, whether a reconnection follows. */
  readonly disconnect = new Signal<[number, string, boolean]>(this.report);
  /** A reconnection resumed the session. */
  readonly reconnect = new Signal<[WelcomeMsg]>(this.report);
  /** The server refused to resume the session. */
  readonly sessionLost = new Signal<[number, string]>(this.report);
}
