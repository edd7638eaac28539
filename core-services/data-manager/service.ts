// Export and import of a tenant's whole configuration (§9.1 of docs/dojot-compatibility.md). Import is all or
// nothing: every section is validated before anything is written, then all sections are written in
// one transaction, and only after the commit do the services act on it (device events, runtime
// reload, cron timers).
import { PlatformError } from '../platform/errors.js';
import type { Store } from '../platform/store/index.js';
import type { CronImportClient, CronJob } from '../cron/client.js';
import type { DeviceTransferClient, ExportedDevice, ExportedTemplate } from '../device-manager/client.js';
import type { DojotFlow, FlowsClient } from '../../runtime/flows-api/client.js';
import { DataManagerErrors } from './errors.js';

export interface RemoteNode {
  id: string;
  image: string;
}

export interface ExportFile {
  templates: ExportedTemplate[];
  devices: ExportedDevice[];
  flows: DojotFlow[];
  /** dojot's remote (docker) flow nodes: not supported here, so always empty on export. */
  flowRemoteNodes: RemoteNode[];
  cronJobs: CronJob[];
}

export interface DataManagerDeps {
  devices: DeviceTransferClient;
  flows: FlowsClient;
  cron: CronImportClient;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Re-throws a section's 400 as one coded import error naming the item's full path. */
function named<T>(section: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof PlatformError) || err.status !== 400) throw err;
    if (err.code === 'DM_IMPORT_INVALID')
      throw err.extra.path ? wrap(String(err.extra.path), err.message.replace(/^[^:]+: /, '')) : err;
    const rel = typeof err.extra.path === 'string' ? err.extra.path : '';
    const problem = typeof err.extra.problem === 'string' ? err.extra.problem : err.message;
    throw wrap(`${section}${rel}`, problem);
  }
}

const wrap = (path: string, problem: string) =>
  DataManagerErrors.DATA_IMPORT_INVALID({ path, problem }, { message: `${path}: ${problem}`, path });

export class DataManager {
  constructor(
    private readonly store: Store,
    private readonly deps: DataManagerDeps,
  ) {}

  async exportAll(tenant: string): Promise<ExportFile> {
    const { templates, devices } = await this.deps.devices.exportConfig(tenant);
    const flows = await this.deps.flows.listFlows(tenant);
    const cronJobs = await this.deps.cron.listJobs(tenant);
    return { templates, devices, flows, flowRemoteNodes: [], cronJobs };
  }

  async importAll(tenant: string, file: unknown): Promise<void> {
    if (!isObject(file))
      throw DataManagerErrors.DATA_IMPORT_NOT_OBJECT({}, { message: 'the import file must be a JSON object' });
    for (const key of ['templates', 'devices', 'flows'] as const) {
      if (!Array.isArray(file[key])) throw wrap(key, 'expected an array');
    }
    const remote = file.flowRemoteNodes ?? [];
    if (!Array.isArray(remote)) throw wrap('flowRemoteNodes', 'expected an array');
    remote.forEach((n, i) => {
      if (!isObject(n) || typeof n.id !== 'string' || typeof n.image !== 'string')
        throw wrap(`flowRemoteNodes[${i}]`, 'expected {"id": string, "image": string}');
    });
    if (remote.length > 0)
      throw wrap(
        'flowRemoteNodes',
        'remote flow nodes (docker images) are not supported: export the flows without them',
      );
    const cronJobs = file.cronJobs ?? [];
    if (!Array.isArray(cronJobs)) throw wrap('cronJobs', 'expected an array');
    const steps = [
      named('', () => this.deps.devices.prepareImport(tenant, file.templates, file.devices)),
      named('flows', () => this.deps.flows.prepareReplace(tenant, file.flows as unknown[])),
      named('cronJobs', () => this.deps.cron.prepareReplace(tenant, cronJobs)),
    ];
    await this.store.transaction(async (tx) => {
      for (const s of steps) await s.apply(tx);
    });
    for (const s of steps) await s.after();
  }
}
