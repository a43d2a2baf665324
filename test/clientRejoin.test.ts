/**
 * A resume refused because the room no longer exists (4010) falls back to a fresh join, as a refused
 * token (4008) does (test/clientRestart.test.ts). The server here is scripted frame by frame on the
 * fake clock: it welcomes a fresh Hello, and answers a resume with 4010.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TickwaveClient } from '../client/index.ts';
import {
  type ClientSocket,
  CloseCode,
  decodeClientMessage,
  encodeMessage,
  MsgKind,
  seededRandom,
} from '../shared/index.ts';
import { FakeClock } from './helpers/FakeClock.ts';
import { testSchema } from './helpers/serverFixture.ts';

/** Sockets to a server that welcomes fresh joins and refuses every resume with `code`; records the Hellos. */
function scriptedServer(clock: FakeClock, code: number) {
  const hellos: (string | null)[] = [];
  const factory = (): ClientSocket => {
    const socket: ClientSocket = {
      onopen: null,
      onmessage: null,
      onclose: null,
      bufferedAmount: 0,
      send(bytes) {
        const msg = decodeClientMessage(bytes);
        if (!msg.ok || msg.value.kind !== MsgKind.Hello) return;
        const token = msg.value.resumeToken;
        hellos.push(token);
        if (token !== null) return void clock.schedule(() => socket.onclose?.(code, 'no such room'), 1);
        const welcome = encodeMessage({
          kind: MsgKind.Welcome,
          clientId: hellos.length,
          tickRateHz: 30,
          serverTick: 10,
          resumeToken: `token-${hellos.length}`,
          roomId: `arena-${hellos.length}`,
          entityId: -1,
          snapshotRateHz: 30,
        });
        clock.schedule(() => socket.onmessage?.(welcome), 1);
      },
      close() {},
    };
    clock.schedule(() => socket.onopen?.(), 1);
    return socket;
  };
  return { factory, hellos };
}

describe('a resume refused for a room that no longer exists', () => {
  for (const rejoin of [true, false]) {
    it(`${rejoin ? 'joins afresh and signals onSessionLost' : 'gives up when rejoinWhenSessionLost is false'}`, () => {
      const clock = new FakeClock(0);
      const server = scriptedServer(clock, CloseCode.NoSuchRoom);
      const sockets: ClientSocket[] = [];
      const client = new TickwaveClient(testSchema, {
        url: 'memory://arena',
        socketFactory: () => {
          const s = server.factory();
          sockets.push(s);
          return s;
        },
        room: 'arena',
        now: clock.now,
        schedule: clock.schedule,
        cancel: clock.cancel,
        reconnect: { random: seededRandom(1), rejoinWhenSessionLost: rejoin },
      });
      const lost: number[] = [];
      client.onSessionLost((code) => lost.push(code));
      client.connect();
      clock.advance(10);
      assert.equal(client.state, 'joined');
      sockets[0]!.onclose?.(CloseCode.GoingAway, 'server shutting down');
      clock.advance(5000);
      if (rejoin) {
        assert.deepEqual(server.hellos, [null, 'token-1', null]);
        assert.deepEqual(lost, [CloseCode.NoSuchRoom]);
        assert.equal(client.state, 'joined');
        assert.equal(client.welcome?.roomId, 'arena-3');
      } else {
        assert.deepEqual(server.hellos, [null, 'token-1']);
        assert.deepEqual(lost, []);
        assert.equal(client.state, 'closed');
      }
      client.close();
    });
  }
});
