// DeviceManager: templates and devices over REST at dojot's paths (docs/dojot-compatibility.md §2), device events on
// `<tenant>.dojot.device-manager.device`, and the DeviceManagerClient other services use.
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import type { DeviceManagerClient, DeviceTransferClient } from './client.js';
import type { IdSource } from './device-ids.js';
import { DeviceService } from './device-service.js';
import { DeviceDirectory } from './directory.js';
import { EventPublisher } from './events.js';
import { deviceManagerRoutes } from './routes.js';
import { TemplateService } from './template-service.js';
import { DeviceTransfer } from './transfer.js';
import { PskService } from './psk-service.js';

export interface DeviceManagerOptions {
  /** Draws device ids; tests pass a fixed sequence. @default random '%05x' of [0, 16^6) */
  drawId?: IdSource;
  /** Names this instance's consumer group for device events. @default a random UUID */
  instance?: string;
}

export function createDeviceManager(
  ctx: PlatformContext,
  options: DeviceManagerOptions = {},
): Service & { client: DeviceManagerClient; transfer: DeviceTransferClient } {
  const log = ctx.log.child({ svc: 'device-manager' });
  const directory = new DeviceDirectory(ctx.store, ctx.bus, log, options.instance);
  const events = new EventPublisher(ctx.bus, log, directory);
  const templates = new TemplateService(ctx.store, events);
  const devices = new DeviceService(ctx.store, events, options.drawId);
  return {
    name: 'device-manager',
    client: directory,
    // data-manager's export and import of the tenant's templates and devices
    transfer: new DeviceTransfer(ctx.store, events),
    routes: deviceManagerRoutes(templates, devices, new PskService(ctx.store, events), log),
    start: () => directory.start(),
    close: () => directory.close(),
  };
}
