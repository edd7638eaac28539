// `ftp`: uploads a file from the message to an FTP server (basic-ftp), one connection per
// message, closed whatever happens. The FTP server's answer goes to `response` when set.
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import { setPath } from '../_shared/msg.js';
import { runTransform } from '../_shared/node-base.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { uploadOf } from './logic.js';

/** How long the FTP server may stay silent, ms. */
const FTP_TIMEOUT_MS = 30_000;

export = function register(RED: Red): void {
  function Ftp(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runTransform(RED, this, def, 'ftp', parse, async (cfg, msg) => {
      const up = uploadOf(cfg, msg);
      if (up instanceof Error) throw up;
      const client = new Client(FTP_TIMEOUT_MS);
      try {
        await client.access({ host: cfg.host, port: cfg.port, user: cfg.username, password: cfg.password });
        const res = await client.uploadFrom(Readable.from(up.bytes), up.path);
        if (cfg.response) setPath(msg, cfg.response, { code: res.code, message: res.message });
      } finally {
        client.close();
      }
      return msg;
    });
  }
  RED.nodes.registerType('ftp', Ftp);
};
