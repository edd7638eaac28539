// The MQTT agent: devices connect as `<tenant>:<device>`, publish JSON to their attrs topic and
// receive actuations on their config topic (§3). Uplink goes to `<tenant>.device-data`,
// downlink comes from `<tenant>.dojot.device-manager.device`.
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { Subscription } from '../platform/bus/index.js';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { createBroker, type Broker } from './broker.js';
import { Counters, type AgentCounters } from './counters.js';
import { subscribeDownlink } from './downlink.js';
import { listenTcp, type Listener } from './listeners.js';

export type { AgentCounters } from './counters.js';

export interface MqttAgent extends Service {
  /** The plain-MQTT port actually bound (useful with port 0), or null when not listening. */
  address(): { port: number } | null;
  counters(): AgentCounters;
}

export function createMqttAgent(ctx: PlatformContext, deps: { devices: DeviceManagerClient }): MqttAgent {
  const log = ctx.log.child({ svc: 'mqtt-agent' });
  const counters = new Counters();
  let broker: Broker | null = null;
  let downlink: Subscription | null = null;
  let listener: Listener | null = null;

  return {
    name: 'mqtt-agent',
    address: () => (listener ? { port: listener.port } : null),
    counters: () => counters.snapshot(broker?.aedes.connectedClients ?? 0),

    async start() {
      broker = await createBroker({
        bus: ctx.bus,
        devices: deps.devices,
        counters,
        log,
        payloadLimitBytes: ctx.config.mqttPayloadLimitBytes,
      });
      downlink = await subscribeDownlink({ bus: ctx.bus, aedes: broker.aedes, sessions: broker.sessions, log, instanceId: broker.aedes.id });
      // Devices are accepted last, once uplink and downlink are both wired.
      if (ctx.config.mqttInsecure) {
        listener = await listenTcp(broker.aedes.handle, ctx.config.mqttHost, ctx.config.mqttPort, log);
        log.info({ port: listener.port }, 'plain MQTT listening');
      }
    },

    async close() {
      // Stop taking connections, then end the sessions, then stop listening to the bus.
      await listener?.close();
      listener = null;
      await broker?.close();
      broker = null;
      await downlink?.close();
      downlink = null;
    },
  };
}
