// publish→flow latency for `dojot-red load --flow-latency`: the run deploys a small flow in the
// tenant that listens to the run's template, stamps a sample of the messages with the time the
// flow saw them, and reports each as a notification (not kept in history). The run watches the
// tenant's notifications over kafka-ws and takes, for each, the flow's time minus the send time
// the device put in the message ({{now}}). Both clocks are this machine's when the platform runs
// here; against a remote platform the figure includes the clocks' offset (docs/load.md).
import WebSocket from 'ws';
import type { Call } from '../rest-client.js';

/** How many samples a second the flow reports at most, whatever the publish rate. */
export const SAMPLES_PER_SECOND = 100;
/** Marks the run's notifications among the tenant's others. */
const MARK = 'dojot-red load: publish→flow sample';

/** The flow: device template in → function (sample, stamp) → notification. */
export function latencyFlow(templateId: number, sentAttr: string, rate: number, run: string): unknown {
  const keep = Math.min(1, SAMPLES_PER_SECOND / rate);
  const func = [
    `const sent = msg.payload && msg.payload[${JSON.stringify(sentAttr)}];`,
    `if (typeof sent !== 'number' || Math.random() >= ${keep}) return null;`,
    `return { payload: { message: ${JSON.stringify(MARK)}, meta: { shouldPersist: false, load_run: ${JSON.stringify(run)}, load_sent: sent, load_flow_at: Date.now() } } };`,
  ].join('\n');
  return {
    name: `load publish→flow ${run}`,
    flow: [
      { id: 'tab', type: 'tab', label: `load ${run}` },
      {
        id: 'in',
        z: 'tab',
        type: 'device template in',
        name: 'load template',
        device_template_id: String(templateId),
        wires: [['stamp']],
      },
      { id: 'stamp', z: 'tab', type: 'function', name: 'sample and stamp', func, outputs: 1, wires: [['out']] },
      {
        id: 'out',
        z: 'tab',
        type: 'notification',
        name: 'report',
        msgType: 'dynamic',
        messageDynamic: 'payload.message',
        source: 'payload.meta',
        wires: [],
      },
    ],
  };
}

export interface FlowLatencyWatch {
  /** publish→flow latencies seen so far, ms. */
  readonly samples: number[];
  /** Messages on the socket that were not this run's samples or could not be read. */
  readonly ignored: number;
  close(): Promise<void>;
}

/** Deploys the flow and opens the watch; resolves once both are in place. */
export async function startFlowLatency(opts: {
  api: Call;
  base: string;
  tenant: string;
  templateId: number;
  sentAttr: string;
  rate: number;
  say: (s: string) => void;
}): Promise<FlowLatencyWatch & { flowId: string }> {
  const run = Date.now().toString(36);
  const { ticket } = (await opts.api('GET', '/kafka-ws/v1/ticket')) as { ticket: string };
  const url = `${opts.base.replace(/^http/, 'ws')}/kafka-ws/v1/topics/${encodeURIComponent(`${opts.tenant}.dojot.notifications`)}?ticket=${ticket}`;
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (err) => reject(new Error(`kafka-ws: ${err.message}`, { cause: err })));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`kafka-ws answered ${res.statusCode}`)));
  });
  const watch = { samples: [] as number[], ignored: 0 };
  ws.on('message', (data) => {
    try {
      const n = JSON.parse(String(data)) as { metaAttrsFilter?: Record<string, unknown> };
      const meta = n.metaAttrsFilter ?? {};
      if (meta.load_run !== run || typeof meta.load_sent !== 'number' || typeof meta.load_flow_at !== 'number') {
        watch.ignored += 1;
        return;
      }
      watch.samples.push(Math.max(0, meta.load_flow_at - meta.load_sent));
    } catch {
      watch.ignored += 1; // not JSON: not one of ours
    }
  });
  const made = (await opts.api(
    'POST',
    '/flows/v1/flow',
    latencyFlow(opts.templateId, opts.sentAttr, opts.rate, run),
  )) as {
    flow: { id: string };
  };
  return {
    flowId: made.flow.id,
    get samples() {
      return watch.samples;
    },
    get ignored() {
      return watch.ignored;
    },
    close: async () => {
      await opts
        .api('DELETE', `/flows/v1/flow/${made.flow.id}`)
        .catch((err: Error) => opts.say(`could not remove the flow ${made.flow.id}: ${err.message}`));
      ws.close();
    },
  };
}
