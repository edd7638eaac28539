// The websocket side of Kafka WS on the platform's one HTTP port:
//   ws://host/kafka-ws/v1/topics/<tenant>.<subject>?ticket=<64 hex>[&fields=...][&where=...]
// The kernel hands this handler the upgrades under /kafka-ws/ (app.upgrade in platform/http.ts).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { refuseUpgrade, type UpgradeHandler } from '../platform/http.js';
import type { Logger } from '../platform/log.js';
import { CLOSE } from './close-codes.js';
import { serveConnection } from './connection.js';
import type { Fanout } from './fanout.js';
import type { Tickets } from './tickets.js';

export const TOPICS_PATH = /^\/kafka-ws\/v\d+\/topics\/([^/?]+)$/;
/** Where kafka-ws takes websocket upgrades. */
export const KAFKA_WS_PREFIX = '/kafka-ws/';
/** Clients send nothing of use: a small frame limit, bytes. */
const MAX_CLIENT_FRAME_BYTES = 4096;

export interface UpgradeOptions {
  maxLifetimeSeconds: number;
  lifetimeFromToken: boolean;
  maxBufferBytes: number;
}

/** The handler of upgrades under KAFKA_WS_PREFIX, and how to end the connections it holds. */
export function upgradeHandler(
  tickets: Tickets,
  fanout: Fanout,
  opts: UpgradeOptions,
  log: Logger,
): { handle: UpgradeHandler; close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });
  // dojot's body key (`message`) on refusals.
  const refuse = (socket: Duplex, status: string, message: string) => refuseUpgrade(socket, status, { message });
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    socket.on('error', () => socket.destroy());
    const m = TOPICS_PATH.exec(url.pathname);
    if (!m) return refuse(socket, '404 Not Found', `No websocket at ${url.pathname}`);
    const ticket = url.searchParams.get('ticket');
    if (!ticket) return refuse(socket, '401 Unauthorized', 'Missing ticket');
    tickets.redeem(ticket).then(
      (claims) => {
        if (!claims) return refuse(socket, '401 Unauthorized', 'Invalid ticket');
        wss.handleUpgrade(req, socket, head, (ws) => {
          const topic = decodeURIComponent(m[1]);
          const dot = topic.indexOf('.');
          // Tenant names are lower case; dojot compared the prefix case-insensitively.
          if (dot <= 0 || topic.slice(0, dot).toLowerCase() !== claims.tenant.toLowerCase()) {
            ws.close(CLOSE.FORBIDDEN_TOPIC, "Tenant can't access this topic");
            return;
          }
          let lifetimeMs = opts.maxLifetimeSeconds * 1000;
          if (opts.lifetimeFromToken && claims.exp !== null)
            lifetimeMs = Math.max(0, Math.min(lifetimeMs, claims.exp * 1000 - Date.now()));
          serveConnection(
            ws,
            fanout,
            {
              topic: `${claims.tenant}${topic.slice(dot)}`,
              where: url.searchParams.get('where'),
              fields: url.searchParams.get('fields'),
              lifetimeMs,
              maxBufferBytes: opts.maxBufferBytes,
            },
            log,
          ).catch((err: unknown) => {
            log.error({ err }, 'kafka-ws: connection failed');
            ws.close(CLOSE.INTERNAL, 'Internal error');
          });
        });
      },
      (err: unknown) => {
        log.error({ err }, 'kafka-ws: reading the ticket failed');
        refuse(socket, '500 Internal Server Error', 'Internal error');
      },
    );
  };
  return {
    handle,
    close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
  };
}
