/**
 * A recording sink that appends to a file without blocking the caller: `write` queues the bytes and
 * one asynchronous writer drains the queue in order (batching what piled up into one write), so a
 * tick never waits for the disk. A crash loses at most what was still queued.
 */
import { type FileHandle, open } from 'node:fs/promises';
import type { RecordingSink } from './RoomRecorder.ts';

/** Appends to one file from its creation until `close`. */
export class FileSink implements RecordingSink {
  private queue: Uint8Array[] = [];
  private draining: Promise<void> | null = null;
  private failed: unknown = null;
  private closed = false;
  private readonly handle: Promise<FileHandle | null>;

  /**
   * Starts creating `path` (an existing file is an error, never overwritten). `onError` gets the first
   * open or write error; the sink then drops what follows.
   */
  constructor(
    /** The file's path. */
    readonly path: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.handle = open(path, 'wx').catch((err: unknown) => {
      this.fail(err);
      return null;
    });
  }

  /** Queues `bytes` (kept, not copied) for the file. */
  write(bytes: Uint8Array): void {
    if (this.closed || this.failed !== null) return;
    this.queue.push(bytes);
    this.draining ??= this.drain();
  }

  /** Writes what is queued, flushes it to the disk and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.draining;
    const handle = await this.handle;
    if (handle === null) return;
    try {
      if (this.failed === null) await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  private fail(err: unknown): void {
    if (this.failed !== null) return;
    this.failed = err;
    this.queue = [];
    this.onError(err);
  }

  private async drain(): Promise<void> {
    try {
      const handle = await this.handle;
      while (handle !== null && this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const bytes = batch.length === 1 ? batch[0]! : concat(batch);
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
          done += bytesWritten;
        }
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.draining = null;
    }
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
