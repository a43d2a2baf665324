/**
 * Acks ride on inputs: a playing TickwaveClient sends one message per tick (its Input, carrying the ack
 * when one is due), and a client that sends no input still acknowledges with Acks of their own.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACK_EVERY_SNAPSHOTS, MsgKind } from '../shared/index.ts';
import { gameLoop, watchedClient } from './helpers/clientFixture.ts';

/** A client against the real server on one fake clock, and a count of what it sends by kind. */
async function setup() {
  const sent = { inputs: 0, inputsWithAck: 0, acks: 0, ackTicks: [] as number[] };
  // Every input sent, none held (held inputs: test/inputHold.test.ts).
  const { clock, client } = await watchedClient(0, (msg) => {
    if (msg.kind === MsgKind.Input) {
      sent.inputs++;
      if (msg.ackTick !== undefined) {
        sent.inputsWithAck++;
        sent.ackTicks.push(msg.ackTick);
      }
    } else if (msg.kind === MsgKind.Ack) {
      sent.acks++;
      sent.ackTicks.push(msg.tick);
    }
  });
  return { clock, client, sent };
}

describe('acks carried by inputs', () => {
  it('a playing client sends one message per tick, its acks inside its inputs', async () => {
    const { clock, client, sent } = await setup();
    await gameLoop(clock, client, () => ({ dx: 1, dy: 0, aim: 0 })).run(4000);
    const snapshots = client.stats.snapshots;
    assert.ok(snapshots > 150 && sent.inputs > 150, `${snapshots} snapshots, ${sent.inputs} inputs`);
    assert.equal(sent.acks, 0, 'no Ack of its own');
    assert.ok(sent.inputsWithAck >= Math.floor(snapshots / ACK_EVERY_SNAPSHOTS) - 1, `${sent.inputsWithAck} acks`);
    assert.ok(sent.inputsWithAck <= Math.ceil(snapshots / ACK_EVERY_SNAPSHOTS) + 1, `${sent.inputsWithAck} acks`);
    for (let i = 1; i < sent.ackTicks.length; i++) assert.ok(sent.ackTicks[i]! > sent.ackTicks[i - 1]!);
    assert.ok(client.latestSnapshot !== null && sent.ackTicks.at(-1)! <= client.latestSnapshot.tick);
  });

  it('a client that sends no input still acknowledges, with Acks of their own', async () => {
    const { clock, client, sent } = await setup();
    await gameLoop(clock, client, null).run(4000);
    const snapshots = client.stats.snapshots;
    assert.equal(sent.inputs, 0);
    // The first ack waits for an input that never comes; from the second on they go at once.
    assert.ok(sent.acks >= Math.floor(snapshots / ACK_EVERY_SNAPSHOTS) - 1, `${sent.acks} acks, ${snapshots} snaps`);
    for (let i = 1; i < sent.ackTicks.length; i++) assert.ok(sent.ackTicks[i]! > sent.ackTicks[i - 1]!);
  });
});
