// Dead letters' coded errors (our API: dojot had no dead-letter store).
import { defineErrors } from '../platform/errors.js';

export const DeadLetterErrors = defineErrors({
  DEAD_LETTER_BAD_QUERY: { status: 400, message: '{field}: {problem}', fix: 'Correct the query parameter named.' },
  DEAD_LETTER_NOT_FOUND: {
    status: 404,
    message: 'No such dead letter: {id}',
    fix: 'Use an id from GET /dead-letters/v1/letters (a letter may have aged out).',
  },
});
