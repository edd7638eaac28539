// `publish-ftp`: hands a file to the platform's FTP uploader (kafka2ftp) over the bus.
import { runPublisher } from '../_shared/publisher.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { ftpMessage } from './logic.js';

export = function register(RED: Red): void {
  function PublishFtp(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runPublisher(RED, this, def, 'publish-ftp', parse, ftpMessage);
  }
  RED.nodes.registerType('publish-ftp', PublishFtp);
};
