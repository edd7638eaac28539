// `dojot-red certreq`: a device's key, certificate and the CA in one step, from a running
// platform (the command dojot shipped as certreq). It logs in, makes an RSA key and a CSR with
// CN=<device>, has the platform sign it, and writes ./cert_<device>/{ca.pem,cert.pem,private.key}.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildCsr } from '../core-services/x509/csr-builder.js';
import { CliError, signIn } from './rest-client.js';

const USAGE = `usage: dojot-red certreq --device <id> [--host localhost] [--port 8000] [--user admin] [--password admin] [--dir .]
Writes ca.pem, cert.pem and private.key into <dir>/cert_<id>/.`;
const KEY_BITS = 2048;

export async function certreq(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: 'localhost' },
        port: { type: 'string', default: '8000' },
        device: { type: 'string' },
        user: { type: 'string', default: 'admin' },
        password: { type: 'string', default: 'admin' },
        dir: { type: 'string', default: '.' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`dojot-red certreq: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  if (!values.device) return (process.stderr.write(`dojot-red certreq: --device is required\n${USAGE}\n`), 2);
  const base = `http://${values.host}:${values.port}`;
  try {
    const { api } = await signIn(base, values.user, values.password);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: KEY_BITS });
    const csr = buildCsr(values.device, privateKey, publicKey);
    const signed = await api('POST', '/x509/v1/certificates', { csr });
    const ca = await api('GET', '/x509/v1/ca');
    const dir = path.resolve(values.dir, `cert_${values.device}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'ca.pem'), ca.caPem);
    writeFileSync(path.join(dir, 'cert.pem'), signed.certificatePem);
    // The key never leaves this machine; only its owner may read it.
    writeFileSync(path.join(dir, 'private.key'), privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, {
      mode: 0o600,
    });
    process.stdout.write(
      `wrote ${dir}/{ca.pem,cert.pem,private.key}\ncertificate fingerprint ${signed.certificateFingerprint}\n`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`dojot-red certreq: ${err.message}\n`);
    return 1;
  }
}
