// x509's HTTP routes at dojot's external paths (§7: /x509/v1/... as Kong exposed them):
// check → service → reply. The gateway has verified the token and the permission already.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { X509Errors } from './errors.js';
import { paging, parseFields, parseListQuery, project, type Query } from './query.js';
import { view, type CertificateService } from './service.js';
import type { TrustedCaService } from './trusted-cas.js';

type Req = FastifyRequest<{
  Params: { fingerprint: string };
  Querystring: Query;
  Body: Record<string, unknown> | undefined;
}>;

const BASE = '/x509/v1';

function tenantOf(req: FastifyRequest): string {
  const tenant = req.identity?.tenant;
  if (!tenant) throw X509Errors.X509_NO_IDENTITY();
  return tenant;
}

/** The services are passed as getters: they exist once the CA is loaded, at start(). */
export function x509Routes(certsOf: () => CertificateService, trustedOf: () => TrustedCaService): FastifyPluginAsync {
  return async (app) => {
    app.post(`${BASE}/certificates`, async (req: Req, reply) => {
      const created = await certsOf().create(tenantOf(req), req.body ?? {});
      return reply.status(201).send(created);
    });
    app.get(`${BASE}/certificates`, async (req: Req) => {
      const q = parseListQuery(req.query);
      const { rows, total } = await certsOf().list(tenantOf(req), q.filters, q.limit, (q.page - 1) * q.limit);
      return {
        paging: paging(`${BASE}/certificates`, req.query, q.page, q.limit, total),
        certificates: rows.map((r) => project(view(r), q.fields)),
      };
    });
    app.get(`${BASE}/certificates/:fingerprint`, async (req: Req) =>
      project(await certsOf().get(tenantOf(req), req.params.fingerprint), parseFields(req.query)),
    );
    app.delete(`${BASE}/certificates/:fingerprint`, async (req: Req, reply) => {
      await certsOf().revoke(tenantOf(req), req.params.fingerprint);
      return reply.status(204).send();
    });
    app.patch(`${BASE}/certificates/:fingerprint`, async (req: Req, reply) => {
      await certsOf().setOwner(tenantOf(req), req.params.fingerprint, req.body ?? {});
      return reply.status(204).send();
    });
    app.get(`${BASE}/ca`, async () => certsOf().caView());
    app.get(`${BASE}/ca/crl`, async () => certsOf().crl());
    app.post(`${BASE}/trusted-cas`, async (req: Req, reply) =>
      reply.status(201).send(await trustedOf().add(tenantOf(req), req.body)),
    );
    app.get(`${BASE}/trusted-cas`, async (req: Req) => trustedOf().list(tenantOf(req)));
    app.get(`${BASE}/trusted-cas/:fingerprint`, async (req: Req) =>
      trustedOf().get(tenantOf(req), req.params.fingerprint),
    );
    app.delete(`${BASE}/trusted-cas/:fingerprint`, async (req: Req, reply) => {
      await trustedOf().remove(tenantOf(req), req.params.fingerprint);
      return reply.status(204).send();
    });
  };
}
