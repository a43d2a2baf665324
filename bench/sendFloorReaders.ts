/**
 * The reading side of `npm run bench -- sendfloor`, in a process of its own (as the load CLI's bots
 * are): `sendFloorReaders.ts <port> <count>` opens `count` TCP connections to 127.0.0.1:`port`, reads
 * and drops everything, prints `ready` once all are open and exits when its parent goes away.
 */
import { connect } from 'node:net';

const [port, count] = process.argv.slice(2).map(Number);
let open = 0;
for (let i = 0; i < count!; i++) {
  const socket = connect(port!, '127.0.0.1', () => {
    if (++open === count) process.send?.('ready');
  });
  socket.on('data', () => {});
  socket.on('error', () => {});
}
process.on('disconnect', () => process.exit(0));
