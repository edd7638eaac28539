// GET /export and POST /import at dojot's paths and shapes (§9.1 of docs/dojot-compatibility.md).
import type { FastifyInstance } from 'fastify';
import type { DataManager } from './service.js';

export function dataManagerRoutes(service: DataManager) {
  return async (app: FastifyInstance) => {
    app.get('/export', async (req) => service.exportAll(req.identity.tenant));
    app.post('/import', async (req, reply) => {
      await service.importAll(req.identity.tenant, req.body);
      return reply.status(201).send({ message: 'data imported!' });
    });
  };
}
