/**
 * The cross-process channels on Redis pub/sub: one connection publishes, one subscribes (Redis puts a
 * subscribing connection in a mode of its own); subscriptions are renewed when Redis comes back. Needs
 * the optional peer dependency `ioredis`.
 *
 *   const bus = await RedisBus.connect({ url: 'redis://127.0.0.1:6379' });
 *   const server = new Server({ cluster: { directory, bus, publicUrl } });
 *   await server.subscribe('lobby', (text) => …);  await server.publish('lobby', JSON.stringify({ … }));
 */
import type { Redis } from 'ioredis';
import { type ChannelHandler, ChannelTable, checkChannel, type MessageBus } from './MessageBus.ts';

/** Options of {@link RedisBus.connect}. */
export interface RedisBusOptions {
  /** The Redis URL, e.g. `redis://127.0.0.1:6379` or `rediss://…`. */
  readonly url: string;
  /** Prefix of every channel name on Redis, so clusters can share one. Default `tickwave:`. */
  readonly channelPrefix?: string;
  /** Where a throwing handler's error goes. Default: console.error. */
  readonly onError?: (err: unknown, channel: string) => void;
}

/** A {@link MessageBus} on Redis pub/sub. Owns its two connections until {@link close}. */
export class RedisBus implements MessageBus {
  private readonly table: ChannelTable;
  private closed = false;
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    onError: (err: unknown, channel: string) => void,
  ) {
    this.table = new ChannelTable(onError);
    sub.on('message', (channel: string, message: string) => {
      if (channel.startsWith(prefix)) this.table.deliver(channel.slice(prefix.length), message);
    });
  }

  /** Connects both connections (rejects if Redis cannot be reached); throws with a hint when ioredis is missing. */
  static async connect(options: RedisBusOptions): Promise<RedisBus> {
    if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url))
      throw new TypeError(`RedisBus: url must be redis://host:port or rediss://…; got ${String(options?.url)}`);
    let mod: typeof import('ioredis');
    try {
      mod = await import('ioredis');
    } catch {
      throw new Error('RedisBus needs the optional package ioredis: npm install ioredis');
    }
    const open = async (offlineQueue: boolean): Promise<Redis> => {
      const r = new mod.Redis(options.url, {
        lazyConnect: true,
        enableOfflineQueue: offlineQueue,
        maxRetriesPerRequest: 1,
        retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
      });
      r.on('error', () => {});
      await r.connect();
      return r;
    };
    // The subscriber queues its SUBSCRIBE commands while reconnecting; the publisher fails at once.
    const [pub, sub] = await Promise.all([open(false), open(true)]);
    return new RedisBus(pub, sub, options.channelPrefix ?? 'tickwave:', options.onError ?? ((e) => console.error(e)));
  }

  async publish(channel: string, message: string): Promise<void> {
    checkChannel(channel);
    if (this.closed) throw new Error('RedisBus: closed');
    await this.pub.publish(this.prefix + channel, String(message));
  }

  async subscribe(channel: string, handler: ChannelHandler): Promise<() => void> {
    checkChannel(channel);
    if (this.closed) throw new Error('RedisBus: closed');
    const { remove, first } = this.table.add(channel, handler);
    const unsubscribe = () => {
      if (remove() && !this.closed) void this.sub.unsubscribe(this.prefix + channel).catch(() => {});
    };
    if (first)
      this.pending.set(
        channel,
        this.sub.subscribe(this.prefix + channel).then(() => {}),
      );
    try {
      await this.pending.get(channel);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
