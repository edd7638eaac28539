// Kafka WS: live bus messages for applications over websocket (§6.2 of docs/dojot-compatibility.md), plus the
// data broker's GET /topic/:subject (§6.1). Tickets live in the cache (Redis when configured).
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { Fanout } from './fanout.js';
import { kafkaWsRoutes } from './routes.js';
import { Tickets } from './tickets.js';
import { KAFKA_WS_PREFIX, upgradeHandler } from './upgrade.js';

export function createKafkaWs(ctx: PlatformContext): Service {
  const log = ctx.log.child({ svc: 'kafka-ws' });
  const { config } = ctx;
  const tickets = new Tickets(ctx.cache, config.kafkaWsTicketTtlSeconds);
  const fanout = new Fanout(ctx.bus, log);
  let upgrade: ReturnType<typeof upgradeHandler> | undefined;
  return {
    name: 'kafka-ws',
    routes: async (app) => {
      await app.register(kafkaWsRoutes(tickets));
      upgrade = upgradeHandler(
        tickets,
        fanout,
        {
          maxLifetimeSeconds: config.kafkaWsMaxLifetimeSeconds,
          lifetimeFromToken: config.kafkaWsLifetimeFromToken,
          maxBufferBytes: config.kafkaWsMaxBufferBytes,
        },
        log,
      );
      app.upgrade(KAFKA_WS_PREFIX, upgrade.handle);
      // Upgraded sockets keep the HTTP server from closing: end them first.
      app.addHook('preClose', async () => upgrade?.close());
    },
    close: async () => {
      upgrade?.close();
      await fanout.close();
    },
  };
}
