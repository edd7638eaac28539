// Websocket close codes, dojot's (§6.2 of docs/dojot-compatibility.md) plus our slow-consumer code.
export const CLOSE = {
  /** `where`/`fields` could not be parsed */
  INVALID_SYNTAX: 4000,
  INVALID_OPERATOR: 4001,
  INVALID_ESCAPE: 4002,
  INVALID_ARITY: 4003,
  INVALID_VALUE: 4004,
  /** the topic is not the ticket's tenant's */
  FORBIDDEN_TOPIC: 4403,
  /** the connection lived KAFKA_WS_MAX_LIFETIME (or until its token's exp) */
  LIFETIME: 4408,
  /** ours: the client left more than the buffer limit unread (dojot has no such code) */
  SLOW_CONSUMER: 4429,
  INTERNAL: 4999,
} as const;

/** A `where`/`fields` problem, carrying the close code and dojot's reason text. */
export class FilterError extends Error {
  constructor(
    readonly closeCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}
