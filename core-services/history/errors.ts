import { defineErrors } from '../platform/errors.js';

// dojot's history answered Falcon errors {"title", "description"} (§4.1); those keys are kept
// beside {"error", "code"}: see the `dojot` helpers below.
export const HistoryErrors = defineErrors({
  HISTORY_DEVICE_NOT_FOUND: { status: 404, message: 'No data for the given device could be found' },
  HISTORY_ATTR_NOT_FOUND: { status: 404, message: 'No data for the given attribute could be found' },
  HISTORY_INVALID_PARAM: { status: 400, message: 'The "{param}" parameter is invalid. {detail}' },
  HISTORY_NO_SUCH_DEVICE: { status: 404, message: 'No such device: {id}' },
});

export const deviceNotFound = () =>
  HistoryErrors.HISTORY_DEVICE_NOT_FOUND(
    {},
    { title: 'Device not found', description: 'No data for the given device could be found' },
  );

export const attrNotFound = () =>
  HistoryErrors.HISTORY_ATTR_NOT_FOUND(
    {},
    { title: 'Attr not found', description: 'No data for the given attribute could be found' },
  );

export const invalidParam = (param: string, detail: string) =>
  HistoryErrors.HISTORY_INVALID_PARAM(
    { param, detail },
    { title: 'Invalid parameter', description: `The "${param}" parameter is invalid. ${detail}` },
  );

/** For /device/:id/latest, in the device manager's words (§2.3). */
export const noSuchDevice = (id: string) =>
  HistoryErrors.HISTORY_NO_SUCH_DEVICE({ id }, { message: `No such device: ${id}`, status: 404 });
