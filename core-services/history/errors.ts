import { defineErrors } from '../platform/errors.js';

// dojot's history answered Falcon errors {"title", "description"} (§4.1); those keys are kept
// beside {"error", "code"} (`legacy` below).
export const HistoryErrors = defineErrors({
  HISTORY_DEVICE_NOT_FOUND: {
    status: 404,
    message: 'No data for the given device could be found',
    legacy: { title: 'Device not found', description: '{message}' },
    fix: 'Check the device id; a device that never published has no history.',
  },
  HISTORY_ATTR_NOT_FOUND: {
    status: 404,
    message: 'No data for the given attribute could be found',
    legacy: { title: 'Attr not found', description: '{message}' },
    fix: 'Check the attribute label; one never published has no history.',
  },
  HISTORY_INVALID_PARAM: {
    status: 400,
    message: 'The "{param}" parameter is invalid. {detail}',
    legacy: { title: 'Invalid parameter', description: '{message}' },
    fix: 'Correct the parameter named (dates in ISO 8601, lastN and firstN positive integers).',
  },
  HISTORY_NO_SUCH_DEVICE: {
    status: 404,
    message: 'No such device: {id}',
    legacy: ['message', 'status'],
    fix: 'Use an id from GET /device.',
  },
});
