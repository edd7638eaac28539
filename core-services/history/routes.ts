// HTTP: GET /history/device/:id/history (§4.1) and GET /device/:id/latest. Every read is
// scoped by the caller's tenant; another tenant's device is simply not found (404).
import type { FastifyPluginAsync } from 'fastify';
import type { DeviceManagerClient, FullDevice } from '../device-manager/client.js';
import type { Sql } from '../platform/store/index.js';
import { historyCsv } from './csv.js';
import { HistoryErrors } from './errors.js';
import { parseHistoryQuery, type RawQuery } from './query.js';
import { historyStore, type HistoryEntry } from './store.js';

export interface RoutesDeps {
  sql: Sql;
  devices: DeviceManagerClient;
}

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const historySchema = {
  params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
  // Values are checked in query.ts, which names the parameter in its 400.
  querystring: {
    type: 'object',
    properties: {
      attr: stringOrList,
      lastN: stringOrList,
      firstN: stringOrList,
      hLimit: stringOrList,
      dateFrom: stringOrList,
      dateTo: stringOrList,
      format: stringOrList,
    },
  },
};
const latestSchema = { params: historySchema.params };

/** Every attr label of the device, across its templates, in template order. */
function labelsOf(device: FullDevice): string[] {
  const labels = new Set<string>();
  for (const attrs of Object.values(device.attrs ?? {})) for (const a of attrs) labels.add(a.label);
  return [...labels];
}

/** CSV when `format=csv`, or when the client prefers text/csv to JSON (`Accept`). */
function wantsCsv(query: RawQuery, accept: string | undefined): boolean {
  const format = query.format;
  if (Array.isArray(format))
    throw HistoryErrors.HISTORY_INVALID_PARAM({ param: 'format', detail: 'It must be given once.' });
  if (format !== undefined) {
    if (format !== 'csv' && format !== 'json')
      throw HistoryErrors.HISTORY_INVALID_PARAM({
        param: 'format',
        detail: `It must be "json" or "csv", got "${format}".`,
      });
    return format === 'csv';
  }
  const first = (accept ?? '').split(',')[0]?.split(';')[0]?.trim().toLowerCase();
  return first === 'text/csv';
}

export function historyRoutes({ sql, devices }: RoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { id: string }; Querystring: RawQuery }>(
      '/history/device/:id/history',
      { schema: historySchema },
      async (req, reply) => {
        const { tenant } = req.identity;
        const { id } = req.params;
        const csv = wantsCsv(req.query, req.headers.accept);
        const q = parseHistoryQuery(req.query);
        const answer = (body: HistoryEntry[] | Record<string, HistoryEntry[]>) => {
          if (!csv) return body;
          const rows = Array.isArray(body) ? body : Object.values(body).flat();
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="${id.replace(/[^\w.-]/g, '_')}-history.csv"`)
            .send(historyCsv(rows));
        };
        // dojot answered from a per-device collection that existed once the device did; here the
        // device exists if the device manager knows it, or if data of it is still stored.
        const device = await devices.getDevice(tenant, id);
        if (!device && !(await historyStore.hasData(sql, tenant, id))) throw HistoryErrors.HISTORY_DEVICE_NOT_FOUND();

        if (q.attrs && !q.asList) {
          const entries = await historyStore.entries(sql, tenant, id, q.attrs[0], q.window);
          if (entries.length === 0) throw HistoryErrors.HISTORY_ATTR_NOT_FOUND();
          return answer(entries);
        }
        const labels = q.attrs ?? (device ? labelsOf(device) : await historyStore.attrs(sql, tenant, id));
        const out: Record<string, HistoryEntry[]> = {};
        for (const label of labels) out[label] = await historyStore.entries(sql, tenant, id, label, q.window);
        return answer(out);
      },
    );

    // {"device_id":"a1b2c3","attrs":{"temp":{"value":21.5,"ts":"2024-01-01T00:00:00.000000Z"}}}
    // Only attrs with at least one stored value are listed.
    app.get<{ Params: { id: string } }>('/device/:id/latest', { schema: latestSchema }, async (req) => {
      const { tenant } = req.identity;
      const { id } = req.params;
      if (!(await devices.getDevice(tenant, id))) throw HistoryErrors.HISTORY_NO_SUCH_DEVICE({ id });
      return { device_id: id, attrs: await historyStore.latest(sql, tenant, id) };
    });
  };
}
