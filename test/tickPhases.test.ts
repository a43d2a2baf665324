/**
 * The tick's phases (server/ServerMetrics.ts `lastTickPhases`, timed by Room.step): a clock whose time
 * the game's handlers and the socket sends move by known amounts shows each phase gets exactly its own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, seededRandom } from '../shared/index.ts';
import { MemoryTransport, Server } from '../server/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { ProbeTransport } from './helpers/ProbeTransport.ts';
import { arenaRoom, TestClient } from './helpers/serverFixture.ts';

const INPUT_MS = 2;
const STEP_MS = 5;
const SEND_MS = 0.25;
const CLIENTS = 3;

describe('tick phases', () => {
  it('splits a tick into inputs, game step, encode and send, each timed on the server clock', async () => {
    const manual = new FakeClock();
    // The server's clock: the manual clock plus the time the handlers and the sends below "take".
    let spent = 0;
    const clock: Clock = {
      now: () => manual.now() + spent,
      schedule: (fn, ms) => manual.schedule(fn, ms),
      cancel: (handle) => manual.cancel(handle),
    };
    const memory = new MemoryTransport({ clock: manual, latencyMs: 0, jitterMs: 0, random: seededRandom(5) });
    const probe = new ProbeTransport(memory);
    const server = new Server({ clock, transport: probe, tickRateHz: 50, autoTick: false });
    server.define(
      'arena',
      arenaRoom({
        extra: {
          onInput: () => {
            spent += INPUT_MS;
          },
          step: () => {
            spent += STEP_MS;
          },
        },
      }),
    );
    await server.listen(0, '127.0.0.1');
    const clients = Array.from({ length: CLIENTS }, () => new TestClient(memory.connect()));
    for (let i = 0; i < 3; i++) await Promise.resolve();
    for (let i = 0; i < 100 && clients.some((c) => !c.isOpen); i++) manual.advance(1);
    for (const c of clients) c.hello();
    for (let i = 0; i < 100 && clients.some((c) => c.welcome === null); i++) manual.advance(1);
    for (let t = 0; t < 3; t++) {
      server.step();
      manual.advance(1);
    }
    for (const c of clients) for (let seq = 0; seq < 4; seq++) c.input(seq, { dx: 0.1, dy: 0, fire: false });
    manual.advance(1);
    probe.rewrite = (bytes) => {
      spent += SEND_MS;
      return bytes;
    };
    for (let t = 0; t < 3; t++) server.step();
    const phases = server.metrics.lastTickPhases;
    assert.equal(phases.inputsMs, CLIENTS * INPUT_MS, 'one input per client applied, each taking INPUT_MS');
    assert.equal(phases.stepMs, STEP_MS);
    assert.equal(phases.encodeMs, 0, 'quantizing and encoding took no time on this clock');
    assert.equal(phases.sendMs, CLIENTS * SEND_MS, 'each snapshot frame sent took SEND_MS');
    probe.rewrite = null;
    server.step();
    assert.deepEqual(
      { ...server.metrics.lastTickPhases },
      { inputsMs: 3 * INPUT_MS, stepMs: STEP_MS, encodeMs: 0, sendMs: 0 },
    );
    await server.close('test over');
  });
});
