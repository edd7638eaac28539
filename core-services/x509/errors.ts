// The x509 service's coded errors. dojot's x509-identity-mgmt answered {"message": ...} (§7);
// that key rides in `extra` beside our {"error", "code"} so dojot clients keep working.
import { defineErrors } from '../platform/errors.js';

/** dojot's body key: {"message"}. */
const DOJOT = ['message'] as const;

export const X509Errors = defineErrors({
  X509_NO_IDENTITY: {
    status: 401,
    message: 'Missing JWT token',
    legacy: DOJOT,
    fix: 'Log in with POST /auth and send the token.',
  },
  X509_INVALID_BODY: { status: 400, message: '{field}: {problem}', legacy: DOJOT, fix: 'Correct the field named.' },
  X509_INVALID_CSR: {
    status: 400,
    message: 'csr: {problem}',
    legacy: DOJOT,
    fix: 'Send a PEM PKCS#10 request (openssl req -new).',
  },
  X509_CSR_SUBJECT: {
    status: 400,
    message: 'csr: the subject must contain only a CN (the device id); {problem}',
    legacy: DOJOT,
    fix: 'Make the request with -subj "/CN=<device id>" and nothing else.',
  },
  X509_CSR_KEY: {
    status: 400,
    message: 'csr: {problem}; RSA of 2048 bits or more, or EC on P-256 or P-384, is required',
    legacy: DOJOT,
    fix: 'Make the key RSA of 2048 bits or more, or EC on P-256 or P-384.',
  },
  X509_CSR_SIGNATURE: {
    status: 400,
    message: 'csr: {problem}',
    legacy: DOJOT,
    fix: 'Sign the request with the key it carries (openssl req does).',
  },
  X509_NO_SUCH_DEVICE: {
    status: 400,
    message: 'belongsTo.device: there is no device {device} in tenant {tenant}',
    legacy: DOJOT,
    fix: 'Create the device first, or name one of your tenant.',
  },
  X509_INVALID_CERTIFICATE: {
    status: 400,
    message: 'certificatePem: {problem}',
    legacy: DOJOT,
    fix: 'Send a PEM X.509 certificate.',
  },
  X509_UNTRUSTED_CERTIFICATE: {
    status: 400,
    message: 'certificatePem: not issued by a CA this tenant trusts ({detail})',
    legacy: DOJOT,
    fix: 'Register its CA first with POST /x509/v1/trusted-cas.',
  },
  X509_ALREADY_REGISTERED: {
    status: 409,
    message: 'certificate {fingerprint} is already registered',
    legacy: DOJOT,
    fix: 'Nothing to do, or change its owner with PATCH /x509/v1/certificates/<fingerprint>.',
  },
  X509_INVALID_QUERY: {
    status: 400,
    message: '{param}: {problem}',
    legacy: DOJOT,
    fix: 'Correct the query parameter named.',
  },
  X509_NO_SUCH_CERTIFICATE: {
    status: 404,
    message: 'No records found for the following parameters: {params}',
    legacy: DOJOT,
    fix: 'Use a fingerprint from GET /x509/v1/certificates.',
  },
  X509_NO_SUCH_TRUSTED_CA: {
    status: 404,
    message: 'No trusted CA with fingerprint {fingerprint}',
    legacy: DOJOT,
    fix: 'Use a fingerprint from GET /x509/v1/trusted-cas.',
  },
  X509_INVALID_CA: {
    status: 400,
    message: 'caPem: {problem}',
    legacy: DOJOT,
    fix: 'Send a PEM CA certificate (basicConstraints CA:true, keyCertSign).',
  },
  X509_CA_IS_PLATFORM: {
    status: 400,
    message: 'caPem: this is the platform CA, trusted already',
    legacy: DOJOT,
    fix: 'Nothing to do: the platform CA is trusted already.',
  },
});
