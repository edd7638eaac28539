// DeviceManager's coded errors. dojot answered {"message": ..., "status": N} (or, for parse
// errors, {"message": "failed to parse input", "errors": {field: [msg]}}); those keys ride in
// `extra` beside our {"error", "code"} so dojot clients keep working (docs/dojot-compatibility.md §2).
import { defineErrors } from '../platform/errors.js';

/** dojot's plain error body keys: {"message", "status"}. */
const DOJOT = ['message', 'status'] as const;

export const DmErrors = defineErrors({
  DM_NO_IDENTITY: {
    status: 401,
    message: 'No authorization token has been supplied',
    legacy: DOJOT,
    fix: 'Log in with POST /auth and send the token.',
  },
  DM_BAD_PAYLOAD: {
    status: 400,
    message: 'Payload must be valid JSON, and Content-Type set accordingly: {detail}',
    legacy: { message: 'Payload must be valid JSON, and Content-Type set accordingly', status: 400 },
    fix: 'Send valid JSON with Content-Type: application/json.',
  },
  DM_INVALID_FIELD: { status: 400, message: '{field}: {problem}', fix: 'Correct the field named.' },
  DM_IMPORT_INVALID: {
    status: 400,
    message: '{path}: {problem}',
    fix: 'Correct the entry at the path named; nothing was imported.',
  },
  DM_INVALID_ATTR: { status: 400, message: '{field}: {problem}', fix: 'Correct the attribute field named.' },
  DM_DUPLICATE_ATTR: {
    status: 400,
    message: 'attrs: attribute {label} of type {type} appears more than once in the template',
    legacy: { message: 'Template attribute constraints are violated by the request', status: 400 },
    fix: 'Keep one attribute of each label and type in a template.',
  },
  DM_REPEATED_OVERRIDE: {
    status: 400,
    message: 'attrs: attribute {id} is overridden more than once',
    legacy: { message: ['a device can not have repeated attributes'], status: 400 },
    fix: 'Override each attribute once per device.',
  },
  DM_INVALID_QUERY: {
    status: 400,
    message: '{param}: {problem}',
    legacy: DOJOT,
    fix: 'Correct the query parameter named.',
  },
  DM_BAD_PAGINATION: {
    status: 400,
    message: '{detail}',
    legacy: DOJOT,
    fix: 'Give page_num and page_size as positive integers within the limits named.',
  },
  DM_BAD_COUNT: {
    status: 400,
    message: 'If provided, count must be integer (between 1 and {max}), got "{count}"',
    legacy: { message: 'If provided, count must be integer', status: 400 },
    fix: 'Give count as an integer in the range named.',
  },
  DM_VERBOSE_COUNT: {
    status: 400,
    message: 'Verbose can only be used for single device creation',
    legacy: DOJOT,
    fix: 'Drop verbose=true, or create one device at a time.',
  },
  DM_NO_SUCH_TEMPLATE: {
    status: 404,
    message: 'No such template: {id}',
    legacy: DOJOT,
    fix: 'Use an id from GET /template (ids are per tenant).',
  },
  DM_NO_SUCH_DEVICE: {
    status: 404,
    message: 'No such device: {id}',
    legacy: DOJOT,
    fix: 'Use an id from GET /device (ids are per tenant).',
  },
  DM_NOT_ASSOCIATED: {
    status: 404,
    message: 'Device {device} is not associated with template {template}',
    legacy: DOJOT,
    fix: 'Nothing to remove: the device does not have this template.',
  },
  DM_ALREADY_ASSOCIATED: {
    status: 400,
    message: 'Template {template} is already associated with device {device}',
    legacy: DOJOT,
    fix: 'Nothing to add: the device has this template already.',
  },
  DM_UNKNOWN_OVERRIDE_TEMPLATE: {
    status: 400,
    message: 'Unknown template {id} in attr list',
    legacy: DOJOT,
    fix: "Override only attributes of the device's own templates.",
  },
  DM_UNKNOWN_OVERRIDE_ATTR: {
    status: 400,
    message: 'Unknown attribute {id} in override list',
    legacy: DOJOT,
    fix: "Override only attributes of the device's templates, by their id.",
  },
  DM_UNKNOWN_OVERRIDE_METADATA: {
    status: 400,
    message: 'Unknown metadata attribute {id} in override list',
    legacy: DOJOT,
    fix: "Override only metadata of the device's attributes, by their id.",
  },
  DM_TEMPLATE_CONFLICT: {
    status: 400,
    message: 'Template ({template}) cannot be added to device ({device}) as it has standing attribute conflicts',
    legacy: DOJOT,
    fix: 'Rename the clashing attribute in one of the templates, or leave the template out.',
  },
  DM_ATTR_CONFLICT: {
    status: 400,
    message: 'Attribute {label} ({id}) has standing conflicts',
    legacy: DOJOT,
    fix: 'Choose a label no template of its devices uses for another attribute.',
  },
  DM_TEMPLATE_IN_USE: {
    status: 400,
    message: 'Templates cannot be removed as they are being used by devices',
    legacy: DOJOT,
    fix: 'Remove the template from its devices (or the devices) first.',
  },
  DM_NOT_CONFIGURABLE: {
    status: 403,
    message: 'some of the attributes are not configurable: {labels}',
    fix: 'Actuate only attributes of type actuator.',
  },
  DM_ID_EXHAUSTED: {
    status: 500,
    message: 'Failed to generate unique device_id',
    legacy: DOJOT,
    fix: 'Retry; give the device an id of your own if it persists.',
  },
  DM_PSK_BAD_LENGTH: {
    status: 400,
    message: 'key_length: {problem}',
    legacy: DOJOT,
    fix: 'Give key_length within the range named.',
  },
  DM_PSK_NOT_PSK: {
    status: 400,
    message: 'attrs: {label} is not an attribute of value_type psk of device {device}',
    legacy: DOJOT,
    fix: 'Name an attribute of value_type psk.',
  },
  DM_PSK_NONE: {
    status: 400,
    message: 'Device {device} has no attribute of value_type psk',
    legacy: DOJOT,
    fix: 'Add an attribute of value_type psk to one of its templates.',
  },
  DM_PSK_MISSING_PARAM: {
    status: 400,
    message: 'Missing mandatory parameter: from_dev_id or/and from_attr_label',
    legacy: DOJOT,
    fix: 'Give both from_dev_id and from_attr_label.',
  },
  DM_PSK_NOT_SET: {
    status: 400,
    message: 'Attribute {label} of device {device} has no key yet: generate one with POST /device/gen_psk/{device}',
    legacy: DOJOT,
    fix: 'Generate the key first with POST /device/gen_psk/<device>.',
  },
});

/** A template or device field: dojot's marshmallow shape {"message":"failed to parse input","errors":{field:[msg]}}. */
export const invalidField = (field: string, problem: string) =>
  DmErrors.DM_INVALID_FIELD({ field, problem }, { message: 'failed to parse input', errors: { [field]: [problem] } });

/** A field of one template attribute: dojot said "failed to parse attr" and named the attr's own field. */
export const invalidAttr = (path: string, field: string, problem: string) =>
  DmErrors.DM_INVALID_ATTR(
    { field: path, problem },
    { message: 'failed to parse attr', errors: { [field]: [problem] } },
  );

/** dojot's 403 body is {"status": "...", "attrs": [labels]}: `status` is a sentence here, not a number. */
export const notConfigurable = (labels: string[]) =>
  DmErrors.DM_NOT_CONFIGURABLE(
    { labels: labels.join(', ') },
    { status: 'some of the attributes are not configurable', attrs: labels },
  );
