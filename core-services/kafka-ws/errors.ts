// Kafka WS's coded errors; dojot answered {"message": ...} (§6.2 of docs/dojot-compatibility.md), kept as extra.
import { defineErrors } from '../platform/errors.js';

export const KafkaWsErrors = defineErrors({
  KAFKA_WS_TICKET_MISSING: { status: 401, message: 'Missing ticket' },
  KAFKA_WS_TICKET_INVALID: { status: 401, message: 'Invalid ticket' },
  KAFKA_WS_BAD_SUBJECT: { status: 400, message: 'Invalid subject "{subject}": letters, digits, ".", "_" and "-" only' },
});
