/** Picking a free TCP port, for transports that must name the port they bind. */
import { createServer } from 'node:net';

/**
 * A TCP port free on `host` now, found by binding a Node listener to port 0 and closing it. Another
 * process may take it before the caller binds it: retry on failure. `owner` names the caller in errors.
 */
export function freePort(host: string, owner: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error(`${owner}: no free port on ${host}`));
      });
    });
  });
}
