// Dead letters' coded errors (our API: dojot had no dead-letter store).
import { defineErrors } from '../platform/errors.js';

export const DeadLetterErrors = defineErrors({
  DEAD_LETTER_BAD_QUERY: { status: 400, message: '{field}: {problem}' },
  DEAD_LETTER_NOT_FOUND: { status: 404, message: 'No such dead letter: {id}' },
});
