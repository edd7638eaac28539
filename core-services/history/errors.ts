import { defineErrors } from '../platform/errors.js';

// dojot's history answered Falcon errors {"title", "description"} (§4.1); those keys are kept
// beside {"error", "code"} (`legacy` below).
export const HistoryErrors = defineErrors({
  HISTORY_DEVICE_NOT_FOUND: {
    status: 404,
    message: 'No data for the given device could be found',
    legacy: { title: 'Device not found', description: '{message}' },
  },
  HISTORY_ATTR_NOT_FOUND: {
    status: 404,
    message: 'No data for the given attribute could be found',
    legacy: { title: 'Attr not found', description: '{message}' },
  },
  HISTORY_INVALID_PARAM: {
    status: 400,
    message: 'The "{param}" parameter is invalid. {detail}',
    legacy: { title: 'Invalid parameter', description: '{message}' },
  },
  HISTORY_NO_SUCH_DEVICE: { status: 404, message: 'No such device: {id}', legacy: ['message', 'status'] },
});
