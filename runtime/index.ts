// The flow engine as a platform service: the supervisor of the tenants' Node-RED runtimes, the
// /flows/v1 API and the editor routes. Created by the composition root after auth.
import type { PlatformContext } from '../core-services/platform/context.js';
import type { Service } from '../core-services/platform/service.js';
import { projectRoot } from '../core-services/platform/paths.js';
import type { TokenService } from '../core-services/auth/client.js';
import type { CronClient } from '../core-services/cron/client.js';
import type { DeviceManagerClient } from '../core-services/device-manager/client.js';
import { Supervisor } from './supervisor/supervisor.js';
import { flowRoutes } from './flows-api/routes.js';
import { editorRoutes, runtimePort } from './flows-api/editor-proxy.js';
import { flowWriter } from './flows-api/flow-writer.js';
import { revisionRoutes } from './flows-api/revision-routes.js';
import { OfferedNodeTypes } from './flows-api/node-types.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { busKind } from '../core-services/platform/bus/index.js';

/** Heartbeat period of a tenant runtime, ms (a prime, so runtimes started together drift apart). */
const HEARTBEAT_MS = 997;
/** Where the editor's help links point: our flows guide, served by the platform. */
const DOCS_URL = '/flows/help';

export interface FlowEngine extends Service {
  supervisor: Supervisor;
}

/** devices: static values and templates for the dojot head nodes; cron: the scheduler of the cron nodes. */
export function createFlowEngine(ctx: PlatformContext, deps: { tokens: TokenService; devices?: DeviceManagerClient; cron?: CronClient }): FlowEngine {
  const { config } = ctx;
  const log = ctx.log.child({ svc: 'flows' });
  const onKafka = busKind(config) === 'kafka' && ctx.bus.kind === 'kafka';
  const supervisor = new Supervisor({ ...ctx, log }, {
    maxOldSpaceMb: config.runtimeMaxOldSpaceMb,
    heartbeatMs: HEARTBEAT_MS,
    heartbeatTimeoutMs: config.runtimeHeartbeatTimeoutMs,
    // Names this instance's own consumer groups: every instance must hear every tenancy and flows event.
    instance: randomUUID(),
    launch: {
      logLevel: config.logLevel,
      functionTimeoutSeconds: config.runtimeFunctionTimeoutSeconds,
      nodesDirs: config.runtimeNodesDirs,
      heartbeatMs: HEARTBEAT_MS,
      projectRoot: projectRoot(),
      docsUrl: DOCS_URL,
      userDir: path.join(config.dataDir, 'flows'),
      kafka: onKafka
        ? { brokers: config.kafkaBrokers, partitions: config.kafkaPartitions, replicationFactor: config.kafkaReplicationFactor, groupPrefix: config.kafkaGroupPrefix }
        : null,
      // Several instances need Kafka: on the in-process bus this one runs every timer.
      timersLeased: onKafka,
      shareDebug: onKafka,
    },
  }, deps.tokens, { devices: deps.devices, cron: deps.cron });
  return {
    name: 'flows',
    supervisor,
    routes: async (app) => {
      // Every /flows/ route takes bodies up to DOJOT_FLOWS_BODY_LIMIT (an editor deploy holds every flow).
      app.addHook('onRoute', (route) => {
        route.bodyLimit = config.flowsBodyLimitBytes;
      });
      const write = flowWriter(ctx.store, supervisor, config.flowsRevisionsKept);
      const types = new OfferedNodeTypes((tenant) => runtimePort(supervisor, tenant), log);
      await app.register(flowRoutes(ctx.store, supervisor, write, types));
      await app.register(revisionRoutes(ctx.store, write));
      await app.register(editorRoutes(supervisor, deps.tokens, config.tokenTtlSeconds, log, config.flowsBodyLimitBytes, types));
    },
    start: () => supervisor.start(),
    close: () => supervisor.close(),
  };
}
