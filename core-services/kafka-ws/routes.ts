// Kafka WS's HTTP routes: the ticket (token required), the data broker's topic name, and the
// answer to a plain HTTP request on a websocket path (§6.1, §6.2 of docs/dojot-compatibility.md).
import type { FastifyInstance } from 'fastify';
import { SUBJECTS } from '../platform/contracts/topics.js';
import { KafkaWsErrors } from './errors.js';
import { expOf, type Tickets } from './tickets.js';

const SUBJECT = /^[A-Za-z0-9._-]{1,200}$/;

export function kafkaWsRoutes(tickets: Tickets) {
  return async (app: FastifyInstance) => {
    app.get('/kafka-ws/v1/ticket', async (req) => {
      const ticket = await tickets.issue({
        tenant: req.identity.tenant,
        username: req.identity.username,
        exp: expOf(req.headers.authorization),
      });
      return { ticket };
    });
    // Public so that a browser's plain GET learns it needs a websocket; upgrades never reach here.
    // dojot's kafka-ws answered 426 in text/plain (its websocket library's answer), not JSON.
    app.get('/kafka-ws/v1/topics/*', { config: { public: true } }, async (_req, reply) =>
      reply.status(426).header('upgrade', 'websocket').type('text/plain').send('Upgrade Required'),
    );
    app.get<{ Params: { subject: string } }>('/topic/:subject', async (req) => {
      const { subject } = req.params;
      if (!SUBJECT.test(subject)) throw KafkaWsErrors.KAFKA_WS_BAD_SUBJECT({ subject });
      // The management tenant's topics (tenancy) are not for a tenant's applications.
      if (subject === SUBJECTS.tenancy) throw KafkaWsErrors.KAFKA_WS_BAD_SUBJECT({ subject });
      return { topic: `${req.identity.tenant}.${subject}` };
    });
  };
}
