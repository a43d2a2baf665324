/**
 * Named channels across the processes of a cluster (lobbies, chat, "match found", admin broadcasts):
 * any process publishes a text message to a channel, and every subscriber of that channel in every
 * process gets it, its own process included. MemoryBus is the one-process default; RedisBus carries
 * the same interface over Redis pub/sub.
 */

/** Called with each message of a channel it subscribed to. */
export type ChannelHandler = (message: string, channel: string) => void;

/** The cross-process channels. */
export interface MessageBus {
  /** Sends `message` to every subscriber of `channel` (none is an error-free no-op); rejects when the bus is down. */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `handler` with every message published to `channel` once the returned promise has resolved,
   * until the function it resolves to is called. A handler that throws is reported to `onError` and the
   * others still run. Rejects when the bus is down.
   */
  subscribe(channel: string, handler: ChannelHandler): Promise<() => void>;
  /** Releases the bus's connections; subscriptions end. Idempotent. */
  close(): Promise<void>;
}

/** Largest channel name, characters. */
export const MAX_CHANNEL_NAME_LENGTH = 128;

/** Throws a RangeError for a channel name that is empty, too long or not text. */
export function checkChannel(channel: string): void {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_NAME_LENGTH)
    throw new RangeError(`channel name must be 1–${MAX_CHANNEL_NAME_LENGTH} characters; got ${String(channel)}`);
}

/** The subscribers of each channel, and delivery to them with each handler's failure contained. */
export class ChannelTable {
  private readonly handlers = new Map<string, Set<ChannelHandler>>();

  /** A table whose throwing handlers are reported to `onError`. */
  constructor(private readonly onError: (err: unknown, channel: string) => void) {}

  /** Adds `handler` to `channel`; returns its removal, and whether the channel was new (to subscribe upstream). */
  add(channel: string, handler: ChannelHandler): { remove: () => boolean; first: boolean } {
    const first = !this.handlers.has(channel);
    const set = this.handlers.get(channel) ?? new Set<ChannelHandler>();
    this.handlers.set(channel, set);
    const entry = (message: string, ch: string) => handler(message, ch);
    set.add(entry);
    const remove = (): boolean => {
      if (!set.delete(entry) || set.size > 0) return false;
      this.handlers.delete(channel);
      return true;
    };
    return { remove, first };
  }

  /** Delivers `message` to every handler of `channel`. */
  deliver(channel: string, message: string): void {
    for (const handler of [...(this.handlers.get(channel) ?? [])]) {
      try {
        handler(message, channel);
      } catch (err) {
        this.onError(err, channel);
      }
    }
  }

  /** Every channel with a subscriber. */
  channels(): string[] {
    return [...this.handlers.keys()];
  }
}

/** The bus of one process: delivers in a later microtask, like a network bus would, never during `publish`. */
export class MemoryBus implements MessageBus {
  private readonly table: ChannelTable;

  /** A bus whose throwing handlers are reported to `onError` (default: console.error). */
  constructor(onError: (err: unknown, channel: string) => void = (err) => console.error(err)) {
    this.table = new ChannelTable(onError);
  }

  async publish(channel: string, message: string): Promise<void> {
    checkChannel(channel);
    await Promise.resolve();
    this.table.deliver(channel, String(message));
  }

  async subscribe(channel: string, handler: ChannelHandler): Promise<() => void> {
    checkChannel(channel);
    const { remove } = this.table.add(channel, handler);
    return () => void remove();
  }

  async close(): Promise<void> {}
}
