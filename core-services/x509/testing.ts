// Test support: keys, CSRs and certificates made by the openssl command line (an independent
// implementation), in a temporary folder. Imported by tests only.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type KeySpec = 'rsa:2048' | 'rsa:1024' | 'ec:P-256' | 'ec:P-384' | 'ec:P-521' | 'ed25519';

export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

export class Workdir {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'dojot-x509-'));
  file(name: string, content?: string): string {
    const p = path.join(this.dir, name);
    if (content !== undefined) writeFileSync(p, content);
    return p;
  }
  read(name: string): string {
    return readFileSync(path.join(this.dir, name), 'utf8');
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function makeKey(w: Workdir, name: string, spec: KeySpec = 'rsa:2048'): string {
  const out = w.file(name);
  if (spec.startsWith('rsa:'))
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.slice(4)}`, '-out', out]);
  else if (spec.startsWith('ec:'))
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${spec.slice(3)}`, '-out', out]);
  else openssl(['genpkey', '-algorithm', 'ED25519', '-out', out]);
  return out;
}

/** A CSR as a device would make it: `openssl req -new -subj /CN=<device>`. */
export function makeCsr(
  w: Workdir,
  name: string,
  subject: string,
  spec: KeySpec = 'rsa:2048',
): { keyFile: string; csr: string } {
  const keyFile = makeKey(w, `${name}.key`, spec);
  const csr = openssl(['req', '-new', '-key', keyFile, '-subj', subject]);
  return { keyFile, csr };
}

/** A self-signed CA of its own (what "another CA" or a tenant's own CA is in the tests). */
export function makeOtherCa(w: Workdir, name: string): { keyFile: string; certFile: string; pem: string } {
  const keyFile = makeKey(w, `${name}.key`);
  const certFile = w.file(`${name}.pem`);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    keyFile,
    '-subj',
    `/CN=${name}`,
    '-days',
    '30',
    '-out',
    certFile,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { keyFile, certFile, pem: readFileSync(certFile, 'utf8') };
}

/** Signs a CSR with a CA of the tests' own (openssl x509 -req). */
export function signWithCa(w: Workdir, csr: string, ca: { keyFile: string; certFile: string }, name: string): string {
  const csrFile = w.file(`${name}.csr`, csr);
  const ext = w.file(
    `${name}.ext`,
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  return openssl([
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-days',
    '30',
    '-extfile',
    ext,
  ]);
}
