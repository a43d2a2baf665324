/** The Node `ws` adapter against a real WebSocket server on an ephemeral port. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { SUBPROTOCOL } from '../shared/index.ts';
import { wsSocketFactory } from '../client/node/wsSocket.ts';

describe('wsSocketFactory', () => {
  it('negotiates the subprotocol, exchanges binary frames and reports the close code and reason', async () => {
    const server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const seenProtocol: string[] = [];
    server.on('connection', (ws) => {
      seenProtocol.push(ws.protocol);
      ws.on('message', (data) => {
        ws.send(Buffer.concat([data as Buffer, Buffer.of(9)]), { binary: true });
        ws.close(4010, 'no such room');
      });
    });
    try {
      const socket = wsSocketFactory()(`ws://127.0.0.1:${port}`, SUBPROTOCOL);
      const received: Uint8Array[] = [];
      const closed = new Promise<[number, string]>((resolve) => {
        socket.onclose = (code, reason) => resolve([code, reason]);
      });
      socket.onmessage = (data) => received.push(data);
      socket.onopen = () => socket.send(Uint8Array.of(1, 2, 3));
      assert.deepEqual(await closed, [4010, 'no such room']);
      assert.deepEqual(seenProtocol, [SUBPROTOCOL]);
      assert.equal(received.length, 1);
      assert.ok(received[0] instanceof Uint8Array);
      assert.deepEqual([...received[0]!], [1, 2, 3, 9]);
    } finally {
      server.close();
    }
  });

  it('reports 1006 when nothing listens', async () => {
    const socket = wsSocketFactory()('ws://127.0.0.1:1', SUBPROTOCOL);
    const [code] = await new Promise<[number, string]>((resolve) => {
      socket.onclose = (c, r) => resolve([c, r]);
    });
    assert.equal(code, 1006);
  });
});
