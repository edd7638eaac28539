// /kafka2ftp/v1/config: the FTP server of the caller's tenant (dojot set one server for the whole
// deployment by environment; here each tenant sets its own). The password is never returned.
// /kafka2ftp/v1/failures: the latest failed uploads, with their reasons.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../platform/store/index.js';
import { Kafka2FtpErrors } from './errors.js';
import { deleteTarget, getTarget, listFailures, putTarget, type FtpTarget } from './store.js';

const FAILURES_SHOWN = 100;
const HOST = /^[A-Za-z0-9.\-:[\]]{1,253}$/;

const bad = (field: string, problem: string) =>
  Kafka2FtpErrors.KAFKA2FTP_INVALID_CONFIG({ field, problem }, { message: `${field}: ${problem}` });

function parseTarget(body: unknown): FtpTarget {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  if (typeof b.host !== 'string' || !HOST.test(b.host)) throw bad('host', 'expected a host name or IP address');
  const port = b.port ?? 21;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw bad('port', 'expected an integer between 1 and 65535');
  const username = b.username ?? 'anonymous';
  if (typeof username !== 'string' || username.length > 256) throw bad('username', 'expected a string');
  const password = b.password ?? '';
  if (typeof password !== 'string' || password.length > 1024) throw bad('password', 'expected a string');
  const directory = b.directory ?? '/';
  if (typeof directory !== 'string' || directory.length > 1024 || /[\x00-\x1f]/.test(directory))
    throw bad('directory', 'expected a path');
  const secure = b.secure ?? false;
  if (typeof secure !== 'boolean') throw bad('secure', 'expected true (explicit FTPS) or false');
  return { host: b.host, port, username, password, directory, secure };
}

export function kafka2ftpRoutes(store: Store) {
  return async (app: FastifyInstance) => {
    app.get('/kafka2ftp/v1/config', async (req) => {
      const t = await getTarget(store, req.identity.tenant);
      if (!t) throw Kafka2FtpErrors.KAFKA2FTP_NOT_CONFIGURED();
      const { password: _secret, ...shown } = t;
      return shown;
    });
    app.put('/kafka2ftp/v1/config', async (req) => {
      const t = parseTarget(req.body);
      await putTarget(store, req.identity.tenant, t);
      const { password: _secret, ...shown } = t;
      return shown;
    });
    app.delete('/kafka2ftp/v1/config', async (req, reply) => {
      if (!(await deleteTarget(store, req.identity.tenant))) throw Kafka2FtpErrors.KAFKA2FTP_NOT_CONFIGURED();
      return reply.status(204).send();
    });
    app.get('/kafka2ftp/v1/failures', async (req) => ({
      failures: await listFailures(store, req.identity.tenant, FAILURES_SHOWN),
    }));
  };
}
