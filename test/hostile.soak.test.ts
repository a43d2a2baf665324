/**
 * Soak: mixed hostile traffic against a real server in a child process (bench/hostile.ts drives it):
 * fuzzed frames before and after Hello, floods past the rate limit, oversize frames, text frames,
 * half-open upgrades and silent connections, while three normal clients play. Bounded in time (about
 * 45 s per transport with CI=true, 8 s otherwise) and in frames.
 *
 * The log bound: the server logs through RateLimitedLog, at most one line per key per 5 s interval
 * (the default logIntervalMs). Keys a peer can trigger are `close:<code>` for each CloseCode (17) and
 * `internal:<entry>` (4, should never fire); with a margin for `origin` and the like, 32 keys. A line
 * is at most ~150 bytes ("tickwave: closing client 127.0.0.1: 4000 " plus a reason capped by the
 * close-frame limit of 123 bytes) plus a "(N similar suppressed)" suffix; 256 bytes leaves room. So
 * the log may hold 32 × (⌈duration / 5 s⌉ + 1) × 256 bytes, whatever the number of frames.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALLOWED_CLOSES, runHostile } from '../bench/hostile.ts';
import { CloseCode } from '../shared/index.ts';

const CI = process.env['CI'] === 'true';
const DURATION_MS = CI ? 45_000 : 8_000;
const MAX_FRAMES = CI ? 300_000 : 60_000;
const LOG_INTERVAL_MS = 5000;
const LOG_KEYS = 32;
const LOG_LINE_BYTES = 256;

describe('hostile traffic soak against a server process', () => {
  // 'auto' is uWS where its native binary loads (Node 20) and ws elsewhere; ws is attacked on every Node.
  for (const transport of ['auto', 'ws'] as const)
    it(
      `survives on the ${transport} transport: server up, normal clients exact, ` +
        'hostile connections closed with a code, log bounded',
      async () => {
        const lines: string[] = [];
        const result = await runHostile({
          frames: MAX_FRAMES,
          connections: 16,
          durationMs: DURATION_MS,
          seed: 7,
          transport,
          progress: (l) => lines.push(l),
        });
        const summary = JSON.stringify({ ...result, logSample: result.logSample.slice(0, 4) });
        assert.equal(result.serverCrashes, 0, `the server process died: ${summary}`);
        assert.ok(result.healthOk, '/health answered ok after the run');
        assert.ok(result.normalClientsExact, `normal clients: ${result.normalClientErrors.join('; ')}`);
        assert.ok(result.framesSent > 1000 && result.connections > 100, `too little traffic: ${summary}`);
        assert.ok(result.framesBeforeHello > 0 && result.framesAfterHello > 0);
        for (const code of Object.keys(result.closeCodes))
          assert.ok(ALLOWED_CLOSES.has(code), `close code ${code}: ${summary}`);
        assert.equal(
          result.closeCodes[String(CloseCode.InternalError)] ?? 0,
          0,
          `an unexpected exception in the server: ${summary}`,
        );
        assert.equal(result.unexpected1006, 0, `1006 without an oversize frame: ${summary}`);
        for (const code of [CloseCode.Malformed, CloseCode.RateLimited, CloseCode.Oversize]) {
          assert.ok((result.closeCodes[String(code)] ?? 0) > 0, `no ${code} close: the mix did not reach it`);
        }
        const bound = LOG_KEYS * (Math.ceil(result.durationMs / LOG_INTERVAL_MS) + 1) * LOG_LINE_BYTES;
        assert.ok(
          result.logBytes <= bound,
          `log ${result.logBytes} bytes over the bound ${bound}: ${result.logSample.join('\n')}`,
        );
      },
    );
});
