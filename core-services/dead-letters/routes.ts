// /dead-letters/v1/letters: the bus messages a consumer of the caller's tenant failed on every
// try, newest first. Only a tenant's admins reach it (the user profile has no permission here).
//   GET    /dead-letters/v1/letters?consumer=history&limit=100&before=<id>  {"letters":[...],"count":n}
//   DELETE /dead-letters/v1/letters/:id                                    204
//   DELETE /dead-letters/v1/letters?consumer=history                      {"deleted":n}
import type { FastifyInstance } from 'fastify';
import type { Sql } from '../platform/store/index.js';
import { DeadLetterErrors } from './errors.js';
import { countLetters, deleteLetter, deleteLetters, listLetters } from './store.js';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
const CONSUMER = /^[A-Za-z0-9._:-]{1,200}$/;
const ID = /^[1-9]\d{0,17}$/;

const bad = (field: string, problem: string) => DeadLetterErrors.DEAD_LETTER_BAD_QUERY({ field, problem });

function only(query: unknown, allowed: string[]): Record<string, unknown> {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(q))
    if (!allowed.includes(k)) throw bad(k, `unknown parameter (expected ${allowed.join(', ')})`);
  return q;
}

function consumerOf(q: Record<string, unknown>): string | undefined {
  if (q.consumer === undefined) return undefined;
  if (typeof q.consumer !== 'string' || !CONSUMER.test(q.consumer))
    throw bad('consumer', 'expected a consumer group name');
  return q.consumer;
}

function intOf(q: Record<string, unknown>, field: string, max: number): number | undefined {
  if (q[field] === undefined) return undefined;
  const v = q[field];
  if (typeof v !== 'string' || !/^\d{1,18}$/.test(v) || Number(v) < 1 || Number(v) > max)
    throw bad(field, `expected an integer between 1 and ${max}`);
  return Number(v);
}

export function deadLetterRoutes(sql: Sql) {
  return async (app: FastifyInstance) => {
    app.get('/dead-letters/v1/letters', async (req) => {
      const q = only(req.query, ['consumer', 'limit', 'before']);
      const consumer = consumerOf(q);
      const limit = intOf(q, 'limit', MAX_LIMIT) ?? DEFAULT_LIMIT;
      const before = intOf(q, 'before', Number.MAX_SAFE_INTEGER);
      const tenant = req.identity.tenant;
      const [letters, count] = await Promise.all([
        listLetters(sql, tenant, { consumer, limit, before }),
        countLetters(sql, tenant, consumer),
      ]);
      return { letters, count };
    });
    app.delete<{ Params: { id: string } }>('/dead-letters/v1/letters/:id', async (req, reply) => {
      only(req.query, []);
      const { id } = req.params;
      if (!ID.test(id)) throw bad('id', 'expected a dead letter id (a positive integer)');
      if (!(await deleteLetter(sql, req.identity.tenant, id))) throw DeadLetterErrors.DEAD_LETTER_NOT_FOUND({ id });
      return reply.status(204).send();
    });
    app.delete('/dead-letters/v1/letters', async (req) => {
      const q = only(req.query, ['consumer']);
      return { deleted: await deleteLetters(sql, req.identity.tenant, consumerOf(q)) };
    });
  };
}
