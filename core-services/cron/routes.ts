// /cron/v1/jobs at dojot's paths and shapes (§8 of docs/dojot-compatibility.md).
import type { FastifyInstance } from 'fastify';
import { cronError } from './errors.js';
import type { CronService } from './service.js';

export function cronRoutes(service: CronService) {
  return async (app: FastifyInstance) => {
    app.post('/cron/v1/jobs', async (req, reply) => {
      const { jobId } = await service.putJob(req.identity.tenant, req.body, crypto.randomUUID());
      return reply.status(201).send({ status: 'success', jobId });
    });
    app.put<{ Params: { id: string } }>('/cron/v1/jobs/:id', async (req, reply) => {
      const { jobId, created } = await service.putJob(req.identity.tenant, req.body, req.params.id);
      return reply.status(created ? 201 : 200).send({ status: 'success', jobId });
    });
    app.get('/cron/v1/jobs', async (req) => service.listJobs(req.identity.tenant));
    app.get<{ Params: { id: string } }>('/cron/v1/jobs/:id', async (req) => {
      const job = await service.getJob(req.identity.tenant, req.params.id);
      if (!job) throw cronError('CRON_NOT_FOUND');
      return job;
    });
    app.delete<{ Params: { id: string } }>('/cron/v1/jobs/:id', async (req, reply) => {
      if (!(await service.removeJob(req.identity.tenant, req.params.id))) throw cronError('CRON_NOT_FOUND');
      return reply.status(204).send();
    });
    app.delete('/cron/v1/jobs', async (req, reply) => {
      await service.removeAll(req.identity.tenant);
      return reply.status(204).send();
    });
  };
}
