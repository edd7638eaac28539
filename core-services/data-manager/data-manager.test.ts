// Data manager's own logic without a platform: the shape checks of an import file, the path each
// section's refusal is reported under, and all-or-nothing over real PGlite. The three sections it
// drives (device-manager, flows, cron) are other services, reached through their client
// interfaces; here each is a small section that validates like them and writes its rows to a real
// table inside the import's transaction.
import assert from 'node:assert/strict';
import type { CronImportClient, CronJob } from '../cron/client.js';
import type { DeviceTransferClient } from '../device-manager/client.js';
import type { DojotFlow, FlowsClient } from '../../runtime/flows-api/client.js';
import { PlatformError } from '../platform/errors.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Sql, Store } from '../platform/store/index.js';
import { DataManager } from './service.js';

interface Section {
  /** Every call, in order: prepare, apply, after. */
  calls: string[];
  /** Thrown by prepare (validation) or apply (the write). */
  refuse?: PlatformError | Error;
  failApply?: Error;
}

/** Writes one row per item into rows(section, tenant, item) inside the import's transaction. */
function step(store: Store, s: Section, name: string, tenant: string, items: unknown[]) {
  s.calls.push(`${name}.prepare`);
  if (s.refuse) throw s.refuse;
  return {
    apply: async (tx: Sql) => {
      s.calls.push(`${name}.apply`);
      await tx.query('DELETE FROM rows WHERE section = $1 AND tenant = $2', [name, tenant]);
      for (const item of items)
        await tx.query('INSERT INTO rows (section, tenant, item) VALUES ($1, $2, $3)', [
          name,
          tenant,
          JSON.stringify(item),
        ]);
      if (s.failApply) throw s.failApply;
    },
    after: async () => void s.calls.push(`${name}.after`),
  };
}

describe('data-manager: export and import', () => {
  let store: Store;
  let dm: DataManager;
  // One list for all three sections: the order of their calls across sections.
  const shared: string[] = [];
  const devices: Section = { calls: shared };
  const flows: Section = { calls: shared };
  const cron: Section = { calls: shared };
  const calls = () => [...shared];
  const rows = async (tenant = 'acme') =>
    (
      await store.query<{ section: string; item: string }>(
        'SELECT section, item FROM rows WHERE tenant = $1 ORDER BY id',
        [tenant],
      )
    ).map((r) => `${r.section}:${r.item}`);

  before(async () => {
    store = await openPgliteStore();
    await store.exec('CREATE TABLE rows (id serial PRIMARY KEY, section text, tenant text, item text)');
    const deviceSection: DeviceTransferClient = {
      exportConfig: async (tenant) => ({
        templates: (await rows(tenant)).filter((r) => r.startsWith('templates:')).map((r) => JSON.parse(r.slice(10))),
        devices: (await rows(tenant)).filter((r) => r.startsWith('devices:')).map((r) => JSON.parse(r.slice(8))),
      }),
      prepareImport: (tenant, templates, devs) => {
        const t = step(store, devices, 'templates', tenant, templates as unknown[]);
        const d = step(store, devices, 'devices', tenant, devs as unknown[]);
        return {
          apply: async (tx) => (await t.apply(tx), await d.apply(tx)),
          after: async () => (await t.after(), await d.after()),
        };
      },
    };
    const flowSection: FlowsClient = {
      listFlows: async (tenant) =>
        (await rows(tenant)).filter((r) => r.startsWith('flows:')).map((r) => JSON.parse(r.slice(6)) as DojotFlow),
      prepareReplace: (tenant, list) => step(store, flows, 'flows', tenant, list),
    };
    const cronSection: CronImportClient = {
      listJobs: async (tenant) =>
        (await rows(tenant)).filter((r) => r.startsWith('cron:')).map((r) => JSON.parse(r.slice(5)) as CronJob),
      prepareReplace: (tenant, jobs) => step(store, cron, 'cron', tenant, jobs),
      validateSpec: () => assert.fail('not used by data-manager'),
      createJob: () => assert.fail('not used by data-manager'),
      removeJob: () => assert.fail('not used by data-manager'),
      replaceJobs: () => assert.fail('not used by data-manager'),
    };
    dm = new DataManager(store, { devices: deviceSection, flows: flowSection, cron: cronSection });
  });
  after(async () => store?.close());
  beforeEach(async () => {
    shared.length = 0;
    for (const s of [devices, flows, cron]) {
      s.refuse = undefined;
      s.failApply = undefined;
    }
    await store.query('DELETE FROM rows');
  });

  const file = {
    templates: [{ id: 1, label: 't' }],
    devices: [{ id: 'a1', label: 'd' }],
    flows: [{ id: 'f1', name: 'flow', flow: [] }],
    flowRemoteNodes: [],
    cronJobs: [{ jobId: 'j1', spec: { time: '* * * * *' } }],
  };

  /** The status, code, message and dojot's keys of what importAll throws. */
  async function refusal(input: unknown) {
    try {
      await dm.importAll('acme', input);
    } catch (err) {
      assert.ok(err instanceof PlatformError, String(err));
      return { status: err.status, code: err.code, message: err.message, extra: err.extra };
    }
    assert.fail('imported');
  }

  it('exports the five sections of a file, with no remote flow nodes, and imports it back', async () => {
    await dm.importAll('acme', file);
    assert.deepEqual(await dm.exportAll('acme'), file);
    assert.deepEqual(await dm.exportAll('other'), {
      templates: [],
      devices: [],
      flows: [],
      flowRemoteNodes: [],
      cronJobs: [],
    });
  });

  it('validates every section, writes them in one transaction, and acts on them only after the commit', async () => {
    await dm.importAll('acme', file);
    assert.deepEqual(calls(), [
      'templates.prepare',
      'devices.prepare',
      'flows.prepare',
      'cron.prepare',
      'templates.apply',
      'devices.apply',
      'flows.apply',
      'cron.apply',
      'templates.after',
      'devices.after',
      'flows.after',
      'cron.after',
    ]);
  });

  it('takes a file without cronJobs or flowRemoteNodes (older exports) as empty ones', async () => {
    await dm.importAll('acme', { templates: [], devices: [], flows: [] });
    assert.deepEqual(await dm.exportAll('acme'), {
      templates: [],
      devices: [],
      flows: [],
      flowRemoteNodes: [],
      cronJobs: [],
    });
  });

  it('refuses a file of the wrong shape, naming the part, before any section sees it', async () => {
    assert.deepEqual(await refusal([]), {
      status: 400,
      code: 'DATA_IMPORT_NOT_OBJECT',
      message: 'the import file must be a JSON object with templates, devices, flows, flowRemoteNodes and cronJobs',
      extra: { message: 'the import file must be a JSON object' },
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ ...file, templates: undefined }, 'templates: expected an array'],
      [{ ...file, devices: {} }, 'devices: expected an array'],
      [{ ...file, flows: 'x' }, 'flows: expected an array'],
      [{ ...file, flowRemoteNodes: {} }, 'flowRemoteNodes: expected an array'],
      [{ ...file, flowRemoteNodes: [{ id: 'r' }] }, 'flowRemoteNodes[0]: expected {"id": string, "image": string}'],
      [
        { ...file, flowRemoteNodes: [{ id: 'r', image: 'docker.io/x' }] },
        'flowRemoteNodes: remote flow nodes (docker images) are not supported: export the flows without them',
      ],
      [{ ...file, cronJobs: {} }, 'cronJobs: expected an array'],
    ];
    for (const [input, message] of cases) {
      const r = await refusal(input);
      assert.deepEqual([r.status, r.code, r.message], [400, 'DATA_IMPORT_INVALID', message]);
      assert.equal(r.extra.path, message.split(':')[0]);
    }
    assert.deepEqual(calls(), []);
  });

  it("reports a section's refusal at the item's full path in the file, and writes nothing", async () => {
    await dm.importAll('acme', file);
    const before = await rows();
    shared.length = 0;
    devices.refuse = new PlatformError('DM_IMPORT_INVALID', 400, 'devices[0].attrs[2]: unknown type', {
      path: 'devices[0].attrs[2]',
    });
    assert.deepEqual(
      [(await refusal(file)).message, (await refusal(file)).extra.path],
      ['devices[0].attrs[2]: unknown type', 'devices[0].attrs[2]'],
    );
    devices.refuse = undefined;
    flows.refuse = new PlatformError('FLOWS_INVALID', 400, 'Given flow is invalid', {
      path: '[1].flow[3]',
      problem: 'a node needs a type',
    });
    assert.equal((await refusal(file)).message, 'flows[1].flow[3]: a node needs a type');
    flows.refuse = undefined;
    cron.refuse = new PlatformError('CRON_INVALID_TIME', 400, '[0].spec.time: time: bad', {
      path: '[0].spec.time',
      problem: 'time: bad',
    });
    const r = await refusal(file);
    assert.deepEqual(
      [r.code, r.message, r.extra.path],
      ['DATA_IMPORT_INVALID', 'cronJobs[0].spec.time: time: bad', 'cronJobs[0].spec.time'],
    );
    // A refusal without a path is reported at its section.
    cron.refuse = new PlatformError('CRON_INVALID_SPEC', 400, 'the job spec must be a JSON object');
    assert.equal((await refusal(file)).message, 'cronJobs: the job spec must be a JSON object');
    assert.deepEqual(
      calls().filter((c) => !c.endsWith('.prepare')),
      [],
    );
    assert.deepEqual(await rows(), before);
  });

  it('passes on a failure that is not a refusal of the file unchanged', async () => {
    flows.refuse = new PlatformError('FLOWS_UNAVAILABLE', 503, 'the flow engine is down');
    const r = await refusal(file);
    assert.deepEqual([r.status, r.code], [503, 'FLOWS_UNAVAILABLE']);
    flows.refuse = new TypeError('a bug');
    await assert.rejects(dm.importAll('acme', file), TypeError);
  });

  it('rolls back every section when one write fails, and acts on none', async () => {
    await dm.importAll('acme', file);
    const before = await rows();
    shared.length = 0;
    cron.failApply = new Error('disk full');
    await assert.rejects(
      dm.importAll('acme', { ...file, devices: [{ id: 'b2' }], flows: [], cronJobs: [{ jobId: 'j2' }] }),
      /disk full/,
    );
    assert.deepEqual(await rows(), before);
    assert.ok(!calls().some((c) => c.endsWith('.after')), calls().join(', '));
  });

  it("replaces only the importing tenant's configuration", async () => {
    await dm.importAll('other', { ...file, devices: [{ id: 'theirs' }] });
    await dm.importAll('acme', file);
    await dm.importAll('acme', { templates: [], devices: [], flows: [] });
    assert.deepEqual(await rows('acme'), []);
    assert.deepEqual((await dm.exportAll('other')).devices, [{ id: 'theirs' }]);
  });
});
