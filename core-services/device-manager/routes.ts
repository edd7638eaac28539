// DeviceManager's HTTP routes, at dojot's full paths (docs/dojot-compatibility.md §2): check → service → reply.
// The gateway has verified the token and the permission before any handler runs.
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PlatformError, httpErrorHandler, toPlatformError } from '../platform/errors.js';
import type { Logger } from '../platform/log.js';
import type { DeviceService } from './device-service.js';
import { DmErrors } from './errors.js';
import {
  parseAttrFormat,
  parseCreateOptions,
  parseDeviceFilters,
  parsePage,
  parseTemplateFilters,
  type Query,
} from './query.js';
import { parseActuate, parseDevice, parseTemplate } from './schemas.js';
import type { TemplateService } from './template-service.js';
import { parseKeyLength, type PskService } from './psk-service.js';

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Query }>;

function tenantOf(req: FastifyRequest): string {
  const tenant = req.identity?.tenant;
  if (!tenant) throw DmErrors.DM_NO_IDENTITY();
  return tenant;
}

/**
 * The kernel's handler, with dojot's {"message", "status"} added to the kernel's own 4xx bodies
 * (bad JSON and the like) on these routes, and a non-JSON body answered as dojot did: 400
 * "Payload must be valid JSON, and Content-Type set accordingly" rather than 415.
 */
function dojotErrorHandler(log: Logger) {
  const render = httpErrorHandler(log);
  return (err: FastifyError | PlatformError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toPlatformError(err, req.routeOptions?.bodyLimit);
    if (e.status >= 500) return render(err, req, reply);
    if (e.code === 'HTTP_UNSUPPORTED_MEDIA') {
      return render(
        DmErrors.DM_BAD_PAYLOAD({
          detail: `Content-Type must be application/json, got ${req.headers['content-type'] ?? 'none'}`,
        }),
        req,
        reply,
      );
    }
    if (e.code === 'HTTP_BAD_JSON') {
      return render(
        new PlatformError(e.code, e.status, e.message, {
          ...e.extra,
          message: 'Payload must be valid JSON, and Content-Type set accordingly',
          status: e.status,
        }),
        req,
        reply,
      );
    }
    if (e.code.startsWith('HTTP_') && !('message' in e.extra)) {
      return render(
        new PlatformError(e.code, e.status, e.message, { ...e.extra, message: e.message, status: e.status }),
        req,
        reply,
      );
    }
    return render(e, req, reply);
  };
}

function templateRoutes(app: FastifyInstance, templates: TemplateService): void {
  app.get('/template', async (req: Req) => {
    const q = req.query;
    return templates.list(tenantOf(req), parseTemplateFilters(q), parsePage(q), parseAttrFormat(q));
  });
  app.post('/template', async (req: Req) => {
    const input = parseTemplate(req.body);
    return { result: 'ok', template: await templates.create(tenantOf(req), input) };
  });
  app.delete('/template', async (req: Req) => ({ result: 'ok', removed: await templates.removeAll(tenantOf(req)) }));
  app.get('/template/:id', async (req: Req) => templates.get(tenantOf(req), req.params.id, parseAttrFormat(req.query)));
  app.put('/template/:id', async (req: Req) => {
    const input = parseTemplate(req.body);
    return { result: 'ok', updated: await templates.update(tenantOf(req), req.params.id, input) };
  });
  app.delete('/template/:id', async (req: Req) => ({
    result: 'ok',
    removed: await templates.remove(tenantOf(req), req.params.id),
  }));
}

/** dojot's pre-shared keys (gen_psk and copy); psk-service.ts keeps them sealed. */
function pskRoutes(app: FastifyInstance, psk: PskService): void {
  app.post('/device/gen_psk/:id', async (req: Req) => {
    const q = req.query as Record<string, unknown>;
    const keyLength = parseKeyLength(q.key_length);
    const attrs =
      q.attrs === undefined
        ? undefined
        : String(q.attrs)
            .split(',')
            .filter((a) => a !== '');
    return psk.generate(tenantOf(req), req.params.id, keyLength, attrs);
  });
  app.put('/device/:id/attrs/:label/psk', async (req: Req, reply) => {
    const q = req.query as Record<string, unknown>;
    await psk.copy(tenantOf(req), req.params.id, req.params.label, { device: q.from_dev_id, label: q.from_attr_label });
    return reply.status(204).send();
  });
}

function deviceRoutes(app: FastifyInstance, devices: DeviceService): void {
  app.get('/device', async (req: Req) =>
    devices.list(tenantOf(req), parseDeviceFilters(req.query), parsePage(req.query)),
  );
  app.post('/device', async (req: Req) => {
    // dojot checked count and verbose before reading the body.
    const opts = parseCreateOptions(req.query);
    const input = parseDevice(req.body);
    return devices.create(tenantOf(req), input, opts);
  });
  app.delete('/device', async (req: Req) => ({
    result: 'ok',
    removed_devices: await devices.removeAll(tenantOf(req)),
  }));
  app.get('/device/template/:templateId', async (req: Req) =>
    devices.listByTemplate(tenantOf(req), req.params.templateId, parsePage(req.query)),
  );
  app.get('/device/:id', async (req: Req) => devices.get(tenantOf(req), req.params.id));
  app.put('/device/:id', async (req: Req) => {
    const input = parseDevice(req.body);
    return { message: 'device updated', device: await devices.update(tenantOf(req), req.params.id, input) };
  });
  app.delete('/device/:id', async (req: Req) => ({
    result: 'ok',
    removed_device: await devices.remove(tenantOf(req), req.params.id),
  }));
  app.post('/device/:id/template/:templateId', async (req: Req) => ({
    message: 'device updated',
    device: await devices.addTemplate(tenantOf(req), req.params.id, req.params.templateId),
  }));
  app.delete('/device/:id/template/:templateId', async (req: Req) => ({
    message: 'device updated',
    device: await devices.removeTemplate(tenantOf(req), req.params.id, req.params.templateId),
  }));
  app.put('/device/:id/actuate', async (req: Req) => {
    const attrs = parseActuate(req.body);
    await devices.actuate(tenantOf(req), req.params.id, attrs);
    // dojot's reply key really starts with a space (§2.3).
    return { ' status': 'configuration sent to device' };
  });
}

export function deviceManagerRoutes(
  templates: TemplateService,
  devices: DeviceService,
  psk: PskService,
  log: Logger,
): FastifyPluginAsync {
  return async (app) => {
    // Registered without fastify-plugin, so this handler covers these routes only.
    app.setErrorHandler(dojotErrorHandler(log));
    // dojot read JSON only; without this, a text/plain body would arrive here as a string.
    app.removeContentTypeParser('text/plain');
    templateRoutes(app, templates);
    deviceRoutes(app, devices);
    pskRoutes(app, psk);
  };
}
