// /flows/v1/node: flowbroker's remote nodes (§5.1 of docs/dojot-compatibility.md). dojot ran each
// one as a Docker (or Kubernetes) container speaking ZeroMQ to the flowbroker. dojot-red runs no
// container engine, so none can be added: the list is empty, removing all of them is a no-op, and
// adding one answers 501 naming why. docs/flows.md ("Remote nodes") says what it would take.
import type { FastifyInstance } from 'fastify';
import { FlowErrors } from './errors.js';

export function remoteNodeRoutes() {
  return async (app: FastifyInstance) => {
    app.get('/flows/v1/node', async () => ({ nodes: [] }));
    app.post('/flows/v1/node', async () => {
      throw FlowErrors.FLOWS_REMOTE_NODES_UNAVAILABLE({}, { message: 'Failed to add node' });
    });
    app.delete('/flows/v1/node', async () => ({ message: 'ok' }));
    app.delete<{ Params: { id: string } }>('/flows/v1/node/:id', async (req) => {
      throw FlowErrors.FLOWS_UNKNOWN_REMOTE_NODE({ id: req.params.id }, { message: 'Failed to remove node.' });
    });
  };
}
