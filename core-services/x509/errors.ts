// The x509 service's coded errors. dojot's x509-identity-mgmt answered {"message": ...} (§7);
// that key rides in `extra` beside our {"error", "code"} so dojot clients keep working.
import { defineErrors } from '../platform/errors.js';

/** dojot's body key: {"message"}. */
const DOJOT = ['message'] as const;

export const X509Errors = defineErrors({
  X509_NO_IDENTITY: { status: 401, message: 'Missing JWT token', legacy: DOJOT },
  X509_INVALID_BODY: { status: 400, message: '{field}: {problem}', legacy: DOJOT },
  X509_INVALID_CSR: { status: 400, message: 'csr: {problem}', legacy: DOJOT },
  X509_CSR_SUBJECT: {
    status: 400,
    message: 'csr: the subject must contain only a CN (the device id); {problem}',
    legacy: DOJOT,
  },
  X509_CSR_KEY: {
    status: 400,
    message: 'csr: {problem}; RSA of 2048 bits or more, or EC on P-256 or P-384, is required',
    legacy: DOJOT,
  },
  X509_CSR_SIGNATURE: { status: 400, message: 'csr: {problem}', legacy: DOJOT },
  X509_NO_SUCH_DEVICE: {
    status: 400,
    message: 'belongsTo.device: there is no device {device} in tenant {tenant}',
    legacy: DOJOT,
  },
  X509_INVALID_CERTIFICATE: { status: 400, message: 'certificatePem: {problem}', legacy: DOJOT },
  X509_UNTRUSTED_CERTIFICATE: {
    status: 400,
    message: 'certificatePem: not issued by a CA this tenant trusts ({detail})',
    legacy: DOJOT,
  },
  X509_ALREADY_REGISTERED: { status: 409, message: 'certificate {fingerprint} is already registered', legacy: DOJOT },
  X509_INVALID_QUERY: { status: 400, message: '{param}: {problem}', legacy: DOJOT },
  X509_NO_SUCH_CERTIFICATE: {
    status: 404,
    message: 'No records found for the following parameters: {params}',
    legacy: DOJOT,
  },
  X509_NO_SUCH_TRUSTED_CA: { status: 404, message: 'No trusted CA with fingerprint {fingerprint}', legacy: DOJOT },
  X509_INVALID_CA: { status: 400, message: 'caPem: {problem}', legacy: DOJOT },
  X509_CA_IS_PLATFORM: { status: 400, message: 'caPem: this is the platform CA, trusted already', legacy: DOJOT },
});
