// Data manager's coded errors; dojot answered {"message": ...} (§9.1 of docs/dojot-compatibility.md), kept as extra
// together with the path of the offending item.
import { defineErrors } from '../platform/errors.js';

export const DataManagerErrors = defineErrors({
  DATA_IMPORT_NOT_OBJECT: {
    status: 400,
    message: 'the import file must be a JSON object with templates, devices, flows, flowRemoteNodes and cronJobs',
    fix: 'Send a file as GET /export writes it.',
  },
  DATA_IMPORT_INVALID: {
    status: 400,
    message: '{path}: {problem}',
    fix: 'Correct the entry at the path named; nothing was imported.',
  },
});
