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
import { editorRoutes, runtimeEndpoint } from './flows-api/editor-proxy.js';
import { flowWriter } from './flows-api/flow-writer.js';
import { revisionRoutes } from './flows-api/revision-routes.js';
import { remoteNodeRoutes } from './flows-api/remote-node-routes.js';
import { OfferedNodeTypes } from './flows-api/node-types.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { busKind } from '../core-services/platform/bus/index.js';
import { createRuntimeDriver } from './supervisor/drivers/index.js';
import type { KafkaBus } from '../core-services/platform/bus/kafka.js';
import { readFileSync } from 'node:fs';
import { KafkaTenantAccess } from './supervisor/kafka-tenant-access.js';

/** Heartbeat period of a tenant runtime, ms (a prime, so runtimes started together drift apart). */
const HEARTBEAT_MS = 997;
/** Where the editor's help links point: our flows guide, served by the platform. */
const DOCS_URL = '/flows/help';

/**
 * On a broker that authenticates clients (DOJOT_KAFKA_TENANT_CA_*): each runtime's own principal,
 * made with the platform's admin client (a super user). Undefined on a PLAINTEXT broker.
 */
function tenantKafkaAccess(ctx: PlatformContext): KafkaTenantAccess | undefined {
  const { config } = ctx;
  if (!config.kafkaTenantCaCertFile) return undefined;
  return new KafkaTenantAccess({
    admin: (ctx.bus as KafkaBus).admin,
    tenantCa: {
      certPem: readFileSync(config.kafkaTenantCaCertFile, 'utf8'),
      keyPem: readFileSync(config.kafkaTenantCaKeyFile, 'utf8'),
    },
    brokerCaPem: config.kafkaSslCaFile ? readFileSync(config.kafkaSslCaFile, 'utf8') : undefined,
    certHours: config.kafkaTenantCertHours,
    groupPrefix: config.kafkaGroupPrefix,
    log: ctx.log.child({ svc: 'flows' }),
  });
}

export interface FlowEngine extends Service {
  supervisor: Supervisor;
}

/** devices: static values and templates for the dojot head nodes; cron: the scheduler of the cron nodes. */
export function createFlowEngine(
  ctx: PlatformContext,
  deps: { tokens: TokenService; devices?: DeviceManagerClient; cron?: CronClient },
): FlowEngine {
  const { config } = ctx;
  const log = ctx.log.child({ svc: 'flows' });
  const onKafka = busKind(config) === 'kafka' && ctx.bus.kind === 'kafka';
  const driver = createRuntimeDriver({
    config,
    store: ctx.store,
    log: log.child({ svc: 'sandbox' }),
    projectRoot: projectRoot(),
    // A runtime on Kafka talks to the brokers itself.
    ownEgress: onKafka ? config.kafkaBrokers : [],
  });
  if (onKafka && config.runtimeIdleSeconds > 0)
    log.warn(
      'DOJOT_RUNTIME_IDLE_SECONDS is ignored on Kafka: tenant runtimes read their topics themselves and do not hibernate',
    );
  const supervisor = new Supervisor(
    { ...ctx, log },
    {
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
          ? {
              brokers: config.kafkaBrokers,
              partitions: config.kafkaPartitions,
              replicationFactor: config.kafkaReplicationFactor,
              groupPrefix: config.kafkaGroupPrefix,
            }
          : null,
        // Several instances need Kafka: on the in-process bus this one runs every timer.
        timersLeased: onKafka,
        shareDebug: onKafka,
      },
      proxySecret: !config.runtimeSandboxOff.includes('proxy-secret'),
      // On Kafka the runtimes read their tenant's topics themselves: nothing here would see the
      // message that should wake one, so they never hibernate there.
      idleMs: onKafka ? 0 : config.runtimeIdleSeconds * 1000,
      // A few Node-RED starts at a time: hundreds at once would starve the box (start-slots.ts).
      startConcurrency: config.runtimeStartConcurrency || Math.max(2, availableParallelism()),
    },
    deps.tokens,
    { devices: deps.devices, cron: deps.cron, kafkaAccess: onKafka ? tenantKafkaAccess(ctx) : undefined },
    driver,
  );
  return {
    name: 'flows',
    supervisor,
    routes: async (app) => {
      // Every /flows/ route takes bodies up to DOJOT_FLOWS_BODY_LIMIT (an editor deploy holds every flow).
      app.addHook('onRoute', (route) => {
        route.bodyLimit = config.flowsBodyLimitBytes;
      });
      const write = flowWriter(ctx.store, supervisor, config.flowsRevisionsKept);
      const types = new OfferedNodeTypes((tenant) => runtimeEndpoint(supervisor, tenant), log);
      await app.register(flowRoutes(ctx.store, supervisor, write, types));
      await app.register(revisionRoutes(ctx.store, write));
      await app.register(remoteNodeRoutes());
      await app.register(
        editorRoutes(supervisor, deps.tokens, config.tokenTtlSeconds, config.flowsBodyLimitBytes, types),
      );
    },
    start: () => supervisor.start(),
    close: () => supervisor.close(),
  };
}
