/**
 * A typed event with any number of handlers. `on` returns the unsubscribe function. A handler that
 * throws does not stop the others: its error goes to the sink given at construction.
 */
export class Signal<A extends unknown[]> {
  private handlers: ((...args: A) => void)[] = [];

  /** @param onHandlerError receives errors thrown by handlers (owned by the emitter's owner). */
  constructor(private readonly onHandlerError: (err: unknown) => void) {}

  /** Adds a handler; returns a function that removes it (idempotent). */
  on(handler: (...args: A) => void): () => void {
    // Copy on write, so a handler may unsubscribe itself while the event is being emitted.
    this.handlers = [...this.handlers, handler];
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  /** Calls every handler with `args`, in subscription order. */
  emit(...args: A): void {
    const list = this.handlers;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(...args);
      } catch (err) {
        this.onHandlerError(err);
      }
    }
  }

  /** Number of handlers. */
  get size(): number {
    return this.handlers.length;
  }
}
