import { defineErrors } from '../../core-services/platform/errors.js';

// The `message` extra keeps flowbroker's body key (§5.1) beside our {error, code}.
export const FlowErrors = defineErrors({
  FLOWS_MISSING_NAME: { status: 400, message: 'Missing mandatory field: name' },
  FLOWS_INVALID: { status: 400, message: 'Given flow is invalid: {detail}' },
  FLOWS_BAD_FIELD: { status: 400, message: 'Field {field} must be {expected}' },
  FLOWS_UNKNOWN_TYPE: { status: 400, message: 'Given flow is invalid: this tenant is not offered node type {types}' },
  FLOWS_BODY_TOO_LARGE: { status: 413, message: 'Request body is larger than {limit} bytes (DOJOT_FLOWS_BODY_LIMIT)' },
  FLOWS_UNKNOWN: { status: 404, message: 'Unknown flow: {id}' },
  FLOWS_UNKNOWN_REVISION: { status: 404, message: 'Unknown revision of the flows: {id}' },
  FLOWS_ADMIN_ONLY: { status: 403, message: 'Only an admin profile may read the runtimes' },
  FLOWS_SIGN_IN: { status: 401, message: 'Sign in to open the flow editor' },
  FLOWS_REMOTE_NODES_UNAVAILABLE: {
    status: 501,
    message:
      'Remote nodes are not available: dojot ran each one as a container, and dojot-red runs no container engine. Write the node as a Node-RED node instead (docs/flows.md, "Remote nodes")',
  },
  FLOWS_UNKNOWN_REMOTE_NODE: {
    status: 404,
    message: 'No remote node {id}: dojot-red runs no remote nodes (no container engine)',
  },
  CRON_UNAVAILABLE: { status: 503, message: 'This platform runs no scheduler (cron): a cron node cannot create jobs' },
  FLOWS_RUNTIME_UNAVAILABLE: { status: 503, message: 'The flow runtime of tenant {tenant} is not available ({state})' },
});
