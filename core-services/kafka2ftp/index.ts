// Kafka2FTP (§10 of docs/dojot-compatibility.md): files published by flows on `<tenant>.dojot.ftp` are uploaded
// to the tenant's FTP server, set over /kafka2ftp/v1/config.
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { FtpConsumer } from './consumer.js';
import { kafka2ftpRoutes } from './routes.js';

export function createKafka2Ftp(ctx: PlatformContext): Service & { consumer: FtpConsumer } {
  const log = ctx.log.child({ svc: 'kafka2ftp' });
  const { config } = ctx;
  const consumer = new FtpConsumer(
    ctx.bus,
    ctx.store,
    { retries: config.kafka2ftpRetries, baseMs: config.kafka2ftpRetryBaseMs, maxMs: config.kafka2ftpRetryMaxMs },
    { files: config.kafka2ftpQueueFiles, bytes: config.kafka2ftpQueueBytes },
    log,
  );
  return {
    name: 'kafka2ftp',
    consumer,
    routes: kafka2ftpRoutes(ctx.store),
    start: () => consumer.start(),
    close: () => consumer.close(),
  };
}
