import type { FastifyPluginAsync } from 'fastify';

/** A core service as the composition root sees it: routes on the one HTTP port, plus a lifecycle. */
export interface Service {
  name: string;
  /** Registered on the gateway's Fastify app (no prefix: routes carry dojot's full paths). */
  routes?: FastifyPluginAsync;
  /** Starts consumers and listeners; called after every service's routes are registered. */
  start?(): Promise<void>;
  /** Stops accepting work, finishes what is in flight (flush batches), frees everything. */
  close?(): Promise<void>;
}
