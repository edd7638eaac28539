// `http`: dojot's HTTP request node. The response goes to the configured path; a failed request
// (no answer, timeout) is reported to Catch nodes; an HTTP error status is a response like any other.
import { setPath } from '../_shared/msg.js';
import { runTransform } from '../_shared/node-base.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { buildRequest, responsePayload } from './logic.js';

/** dojot's request timeout, ms. */
const REQUEST_TIMEOUT_MS = 120_000;

export = function register(RED: Red): void {
  function Http(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runTransform(RED, this, def, 'http', parse, async (cfg, msg) => {
      const req = buildRequest(cfg, msg);
      if (req instanceof Error) throw req;
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      setPath(msg, cfg.response, {
        statusCode: res.status,
        headers: Object.fromEntries(res.headers.entries()),
        responseUrl: res.url,
        payload: responsePayload(cfg.ret, bytes),
      });
      return msg;
    });
  }
  RED.nodes.registerType('http', Http);
};
