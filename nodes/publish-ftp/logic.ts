// dojot's FTP message (§10), on `<tenant>.dojot.ftp`, for kafka2ftp to upload:
//   {"metadata":{"msgID":"<uuid4>","ts":<ms>,"service":"flowbroker","contentType":"application/vnd.dojot.ftp+json"},
//    "data":{"filename","encoding","content"}}
import { randomUUID } from 'node:crypto';
import { getPath } from '../_shared/msg.js';
import type { Outgoing } from '../_shared/publisher.js';
import type { Msg } from '../_shared/red.js';
import type { PublishFtpConfig } from './config.js';

/** A string is taken as already encoded; a Buffer is encoded; anything else must be a string. */
export function ftpMessage(cfg: PublishFtpConfig, msg: Msg, _tenant: string, now: number): Outgoing[] | Error {
  const filename = getPath(msg, cfg.filename);
  if (typeof filename !== 'string' || !filename.trim()) return new Error(`${cfg.filename} must hold a file name`);
  const raw = getPath(msg, cfg.filecontent);
  let content: string;
  if (typeof raw === 'string') content = raw;
  else if (Buffer.isBuffer(raw)) content = raw.toString(cfg.encode);
  else return new Error(`${cfg.filecontent} must hold the file content (a string or a Buffer)`);
  return [
    {
      subject: 'dojot.ftp',
      key: null,
      value: {
        // dojot's flowbroker wrote msgID and service "flowbroker" (§10).
        metadata: {
          msgID: randomUUID(),
          ts: now,
          service: 'flowbroker',
          contentType: 'application/vnd.dojot.ftp+json',
        },
        data: { filename, encoding: cfg.encode, content },
      },
    },
  ];
}
