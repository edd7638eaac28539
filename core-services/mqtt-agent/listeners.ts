// Sockets in, MQTT out: each listener accepts connections and hands them to the broker.
// Plain TCP today; the TLS listener (8883, client certificates) will sit beside it.
import net from 'node:net';
import type { Logger } from '../platform/log.js';

export interface Listener {
  port: number;
  /** Stops accepting, then destroys connections still open (those that never sent CONNECT too). */
  close(): Promise<void>;
}

export async function listenTcp(
  handle: (socket: net.Socket) => unknown,
  host: string,
  port: number,
  log: Logger,
): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Nagle's algorithm would hold PUBACKs back for tens of ms.
    socket.setNoDelay(true);
    handle(socket);
  });
  server.on('error', (err) => log.error({ err }, 'MQTT listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
