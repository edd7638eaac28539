// Kafka WS's coded errors; dojot answered {"message": ...} (§6.2 of docs/dojot-compatibility.md), kept as extra.
import { defineErrors } from '../platform/errors.js';

export const KafkaWsErrors = defineErrors({
  KAFKA_WS_TICKET_MISSING: {
    status: 401,
    message: 'Missing ticket',
    fix: 'Get a ticket with GET /kafka-ws/v1/ticket and add ?ticket= to the websocket URL.',
  },
  KAFKA_WS_TICKET_INVALID: {
    status: 401,
    message: 'Invalid ticket',
    fix: 'Get a new ticket: each is used once and expires (DOJOT_KAFKA_WS_TICKET_TTL).',
  },
  KAFKA_WS_BAD_SUBJECT: {
    status: 400,
    message: 'Invalid subject "{subject}": letters, digits, ".", "_" and "-" only',
    fix: 'Name the subject with letters, digits, ".", "_" and "-" only.',
  },
});
