// Makes a PKCS#10 request (RFC 2986 §4.1) for a device: subject CN=<device id> only, as the
// x509 service requires. Used by the `dojot-red certreq` command, so a device owner needs no openssl.
import type { KeyObject } from 'node:crypto';
import { OID, fromDer, implicitSet, name, pem, seq, signWith, signed, uint } from './der.js';

export function buildCsr(cn: string, privateKey: KeyObject, publicKey: KeyObject): string {
  const signer = signWith(privateKey);
  const info = seq(
    uint(Buffer.from([0])), // version 1
    name([[OID.commonName, cn]]),
    fromDer(publicKey.export({ format: 'der', type: 'spki' }) as Buffer),
    implicitSet(0), // no attributes
  );
  return pem('CERTIFICATE REQUEST', signed(info, signer));
}
