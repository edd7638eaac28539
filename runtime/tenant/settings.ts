// The tenant runtime's Node-RED settings: a typed object built from the launch options, never
// generated source text. Paths: the editor and admin API under /flows/, tenants' `http in`
// endpoints under /flows/api/ (the gateway routes both to the signed-in user's runtime).
import path from 'node:path';
import type { Logger } from '../../core-services/platform/log.js';
import { editorTheme } from './theme.js';
import type { TenantLaunchOptions, TenantSide } from '../supervisor/ipc.js';
import { createAdminAuth } from './admin-auth.js';
import { createPersistentContext, type ContextStats } from './context-store.js';
import { nodeRedLogging } from './logging.js';
import type { NodeServices } from './node-services.js';
import { palettePolicy } from './palette-policy.js';
import { createStorage } from './storage.js';

export const ADMIN_ROOT = '/flows/';
export const NODE_ROOT = '/flows/api/';

export function tenantSettings(
  opts: TenantLaunchOptions,
  ipc: TenantSide,
  log: Logger,
  services: NodeServices,
  contextStats?: ContextStats,
): Record<string, unknown> {
  return {
    userDir: path.join(opts.userDir, opts.tenant),
    // nodesDir: our palette nodes (compiled next to this file's folder), the dojot nodes (a
    // Node-RED module built into dist/nodes, always offered) + configured extra folders
    nodesDir: [
      path.join(opts.projectRoot, 'dist', 'runtime', 'palette'),
      path.join(opts.projectRoot, 'dist', 'nodes'),
      ...opts.nodesDirs,
    ],
    httpAdminRoot: ADMIN_ROOT,
    httpNodeRoot: NODE_ROOT,
    httpStatic: false,
    // The gateway checks the body size; the editor deploys whole configs.
    apiMaxLength: '10mb',
    storageModule: createStorage(ipc),
    adminAuth: createAdminAuth(ipc),
    contextStorage: {
      default: { module: 'memory' },
      memory: { module: 'memory' },
      persistent: { module: createPersistentContext(ipc, log.child({ part: 'context' }), contextStats) },
    },
    logging: nodeRedLogging(log),
    globalFunctionTimeout: opts.functionTimeoutSeconds,
    ...palettePolicy,
    safeMode: opts.safeMode,
    editorTheme: editorTheme(path.join(opts.projectRoot, 'editor-theme'), opts.docsUrl),
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false },
    // Node-RED's update check calls the internet; a tenant runtime never does on its own.
    externalModulesCheck: false,
    dojot: services,
  };
}
