// DeviceManager's coded errors. dojot answered {"message": ..., "status": N} (or, for parse
// errors, {"message": "failed to parse input", "errors": {field: [msg]}}); those keys ride in
// `extra` beside our {"error", "code"} so dojot clients keep working (docs/dojot-compatibility.md §2).
import { defineErrors, type PlatformError } from '../platform/errors.js';

export const DmErrors = defineErrors({
  DM_NO_IDENTITY: { status: 401, message: 'No authorization token has been supplied' },
  DM_BAD_PAYLOAD: { status: 400, message: 'Payload must be valid JSON, and Content-Type set accordingly: {detail}' },
  DM_INVALID_FIELD: { status: 400, message: '{field}: {problem}' },
  DM_IMPORT_INVALID: { status: 400, message: '{path}: {problem}' },
  DM_INVALID_ATTR: { status: 400, message: '{field}: {problem}' },
  DM_DUPLICATE_ATTR: {
    status: 400,
    message: 'attrs: attribute {label} of type {type} appears more than once in the template',
  },
  DM_REPEATED_OVERRIDE: { status: 400, message: 'attrs: attribute {id} is overridden more than once' },
  DM_INVALID_QUERY: { status: 400, message: '{param}: {problem}' },
  DM_BAD_PAGINATION: { status: 400, message: '{detail}' },
  DM_BAD_COUNT: { status: 400, message: 'If provided, count must be integer (between 1 and {max}), got "{count}"' },
  DM_VERBOSE_COUNT: { status: 400, message: 'Verbose can only be used for single device creation' },
  DM_NO_SUCH_TEMPLATE: { status: 404, message: 'No such template: {id}' },
  DM_NO_SUCH_DEVICE: { status: 404, message: 'No such device: {id}' },
  DM_NOT_ASSOCIATED: { status: 404, message: 'Device {device} is not associated with template {template}' },
  DM_ALREADY_ASSOCIATED: { status: 400, message: 'Template {template} is already associated with device {device}' },
  DM_UNKNOWN_OVERRIDE_TEMPLATE: { status: 400, message: 'Unknown template {id} in attr list' },
  DM_UNKNOWN_OVERRIDE_ATTR: { status: 400, message: 'Unknown attribute {id} in override list' },
  DM_UNKNOWN_OVERRIDE_METADATA: { status: 400, message: 'Unknown metadata attribute {id} in override list' },
  DM_TEMPLATE_CONFLICT: {
    status: 400,
    message: 'Template ({template}) cannot be added to device ({device}) as it has standing attribute conflicts',
  },
  DM_ATTR_CONFLICT: { status: 400, message: 'Attribute {label} ({id}) has standing conflicts' },
  DM_TEMPLATE_IN_USE: { status: 400, message: 'Templates cannot be removed as they are being used by devices' },
  DM_NOT_CONFIGURABLE: { status: 403, message: 'some of the attributes are not configurable: {labels}' },
  DM_ID_EXHAUSTED: { status: 500, message: 'Failed to generate unique device_id' },
  DM_PSK_BAD_LENGTH: { status: 400, message: 'key_length: {problem}' },
  DM_PSK_NOT_PSK: { status: 400, message: 'attrs: {label} is not an attribute of value_type psk of device {device}' },
  DM_PSK_NONE: { status: 400, message: 'Device {device} has no attribute of value_type psk' },
  DM_PSK_MISSING_PARAM: { status: 400, message: 'Missing mandatory parameter: from_dev_id or/and from_attr_label' },
  DM_PSK_NOT_SET: {
    status: 400,
    message: 'Attribute {label} of device {device} has no key yet: generate one with POST /device/gen_psk/{device}',
  },
});

/** dojot's plain error body keys: {"message", "status"}. */
const dojot = (e: PlatformError): PlatformError => {
  Object.assign(e.extra, { message: e.message, status: e.status });
  return e;
};

export const noSuchTemplate = (id: unknown) => dojot(DmErrors.DM_NO_SUCH_TEMPLATE({ id }));
export const noSuchDevice = (id: unknown) => dojot(DmErrors.DM_NO_SUCH_DEVICE({ id }));
export const badPagination = (detail: string) => dojot(DmErrors.DM_BAD_PAGINATION({ detail }));
export const badCount = (count: string, max: number) =>
  DmErrors.DM_BAD_COUNT({ count, max }, { message: 'If provided, count must be integer', status: 400 });
export const verboseCount = () => dojot(DmErrors.DM_VERBOSE_COUNT());
export const templateInUse = () => dojot(DmErrors.DM_TEMPLATE_IN_USE());
export const idExhausted = () => dojot(DmErrors.DM_ID_EXHAUSTED());
export const noIdentity = () => dojot(DmErrors.DM_NO_IDENTITY());
export const notAssociated = (device: string, template: unknown) =>
  dojot(DmErrors.DM_NOT_ASSOCIATED({ device, template }));
export const alreadyAssociated = (device: string, template: number) =>
  dojot(DmErrors.DM_ALREADY_ASSOCIATED({ device, template }));
export const unknownOverrideTemplate = (id: unknown) => dojot(DmErrors.DM_UNKNOWN_OVERRIDE_TEMPLATE({ id }));
export const unknownOverrideAttr = (id: unknown) => dojot(DmErrors.DM_UNKNOWN_OVERRIDE_ATTR({ id }));
export const unknownOverrideMetadata = (id: unknown) => dojot(DmErrors.DM_UNKNOWN_OVERRIDE_METADATA({ id }));
export const templateConflict = (template: number, device: string) =>
  dojot(DmErrors.DM_TEMPLATE_CONFLICT({ template, device }));
export const attrConflict = (label: string, id: number) => dojot(DmErrors.DM_ATTR_CONFLICT({ label, id }));
export const pskBadLength = (problem: string) => dojot(DmErrors.DM_PSK_BAD_LENGTH({ problem }));
export const pskNotPsk = (device: string, label: string) => dojot(DmErrors.DM_PSK_NOT_PSK({ device, label }));
export const pskNone = (device: string) => dojot(DmErrors.DM_PSK_NONE({ device }));
export const pskMissingParam = () => dojot(DmErrors.DM_PSK_MISSING_PARAM());
export const pskNotSet = (device: string, label: string) => dojot(DmErrors.DM_PSK_NOT_SET({ device, label }));
export const invalidQuery = (param: string, problem: string) => dojot(DmErrors.DM_INVALID_QUERY({ param, problem }));

export const badPayload = (detail: string) =>
  DmErrors.DM_BAD_PAYLOAD(
    { detail },
    { message: 'Payload must be valid JSON, and Content-Type set accordingly', status: 400 },
  );

/** A template or device field: dojot's marshmallow shape {"message":"failed to parse input","errors":{field:[msg]}}. */
export const invalidField = (field: string, problem: string) =>
  DmErrors.DM_INVALID_FIELD({ field, problem }, { message: 'failed to parse input', errors: { [field]: [problem] } });

/** A field of one template attribute: dojot said "failed to parse attr" and named the attr's own field. */
export const invalidAttr = (path: string, field: string, problem: string) =>
  DmErrors.DM_INVALID_ATTR(
    { field: path, problem },
    { message: 'failed to parse attr', errors: { [field]: [problem] } },
  );

export const duplicateAttr = (label: string, type: string) =>
  DmErrors.DM_DUPLICATE_ATTR(
    { label, type },
    { message: 'Template attribute constraints are violated by the request', status: 400 },
  );

/** dojot's body here is {"message": ["a device can not have repeated attributes"], "status": 400}: a list. */
export const repeatedOverride = (id: unknown) =>
  DmErrors.DM_REPEATED_OVERRIDE({ id }, { message: ['a device can not have repeated attributes'], status: 400 });

/** dojot's 403 body is {"status": "...", "attrs": [labels]}: `status` is a sentence here, not a number. */
export const notConfigurable = (labels: string[]) =>
  DmErrors.DM_NOT_CONFIGURABLE(
    { labels: labels.join(', ') },
    { status: 'some of the attributes are not configurable', attrs: labels },
  );
