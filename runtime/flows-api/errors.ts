import { defineErrors } from '../../core-services/platform/errors.js';

// The `message` extra keeps flowbroker's body key (§5.1) beside our {error, code}.
export const FlowErrors = defineErrors({
  FLOWS_MISSING_NAME: { status: 400, message: 'Missing mandatory field: name', fix: 'Give the flow a "name".' },
  FLOWS_INVALID: {
    status: 400,
    message: 'Given flow is invalid: {detail}',
    fix: 'Correct the flow as the message says (each node needs an id and a type).',
  },
  FLOWS_BAD_FIELD: { status: 400, message: 'Field {field} must be {expected}', fix: 'Give the field the type named.' },
  FLOWS_UNKNOWN_TYPE: {
    status: 400,
    message: 'Given flow is invalid: this tenant is not offered node type {types}',
    fix: 'Use node types the palette offers (GET /flows/nodes); some core nodes are not offered to tenants (docs/flows.md).',
  },
  FLOWS_BODY_TOO_LARGE: {
    status: 413,
    message: 'Request body is larger than {limit} bytes (DOJOT_FLOWS_BODY_LIMIT)',
    fix: 'Send smaller flows, or raise DOJOT_FLOWS_BODY_LIMIT.',
  },
  FLOWS_UNKNOWN: { status: 404, message: 'Unknown flow: {id}', fix: 'Use an id from GET /flows/v1/flow.' },
  FLOWS_UNKNOWN_REVISION: {
    status: 404,
    message: 'Unknown revision of the flows: {id}',
    fix: 'Use an id from GET /flows/v1/revisions.',
  },
  FLOWS_ADMIN_ONLY: {
    status: 403,
    message: 'Only an admin profile may read the runtimes',
    fix: 'Sign in as a user of profile admin.',
  },
  FLOWS_SIGN_IN: {
    status: 401,
    message: 'Sign in to open the flow editor',
    fix: 'Sign in at /flows/signin, or send a token.',
  },
  FLOWS_REMOTE_NODES_UNAVAILABLE: {
    status: 501,
    message:
      'Remote nodes are not available: dojot ran each one as a container, and dojot-red runs no container engine. Write the node as a Node-RED node instead (docs/flows.md, "Remote nodes")',
    fix: 'Write the node as a Node-RED node (docs/flows.md, "Remote nodes").',
  },
  FLOWS_UNKNOWN_REMOTE_NODE: {
    status: 404,
    message: 'No remote node {id}: dojot-red runs no remote nodes (no container engine)',
    fix: 'Nothing to remove: there are no remote nodes.',
  },
  CRON_UNAVAILABLE: {
    status: 503,
    message: 'This platform runs no scheduler (cron): a cron node cannot create jobs',
    fix: 'Run the platform with its cron service (bin/platform.ts creates it); only an embedding without it lacks one.',
  },
  FLOWS_RUNTIME_UNAVAILABLE: {
    status: 503,
    message: 'The flow runtime of tenant {tenant} is not available ({state})',
    fix: "Retry in a few seconds; GET /flows/v1/runtime shows the runtime's state and last exit (safe mode after crashes).",
  },
});
