// The x509 service's coded errors. dojot's x509-identity-mgmt answered {"message": ...} (§7);
// that key rides in `extra` beside our {"error", "code"} so dojot clients keep working.
import { defineErrors, type PlatformError } from '../platform/errors.js';

export const X509Errors = defineErrors({
  X509_NO_IDENTITY: { status: 401, message: 'Missing JWT token' },
  X509_INVALID_BODY: { status: 400, message: '{field}: {problem}' },
  X509_INVALID_CSR: { status: 400, message: 'csr: {problem}' },
  X509_CSR_SUBJECT: { status: 400, message: 'csr: the subject must contain only a CN (the device id); {problem}' },
  X509_CSR_KEY: {
    status: 400,
    message: 'csr: {problem}; RSA of 2048 bits or more, or EC on P-256 or P-384, is required',
  },
  X509_CSR_SIGNATURE: { status: 400, message: 'csr: {problem}' },
  X509_NO_SUCH_DEVICE: { status: 400, message: 'belongsTo.device: there is no device {device} in tenant {tenant}' },
  X509_INVALID_CERTIFICATE: { status: 400, message: 'certificatePem: {problem}' },
  X509_UNTRUSTED_CERTIFICATE: {
    status: 400,
    message: 'certificatePem: not issued by a CA this tenant trusts ({detail})',
  },
  X509_ALREADY_REGISTERED: { status: 409, message: 'certificate {fingerprint} is already registered' },
  X509_INVALID_QUERY: { status: 400, message: '{param}: {problem}' },
  X509_NO_SUCH_CERTIFICATE: { status: 404, message: 'No records found for the following parameters: {params}' },
  X509_NO_SUCH_TRUSTED_CA: { status: 404, message: 'No trusted CA with fingerprint {fingerprint}' },
  X509_INVALID_CA: { status: 400, message: 'caPem: {problem}' },
  X509_CA_IS_PLATFORM: { status: 400, message: 'caPem: this is the platform CA, trusted already' },
});

const dojot = (e: PlatformError): PlatformError => {
  Object.assign(e.extra, { message: e.message });
  return e;
};

export const invalidBody = (field: string, problem: string) => dojot(X509Errors.X509_INVALID_BODY({ field, problem }));
export const invalidCsr = (problem: string) => dojot(X509Errors.X509_INVALID_CSR({ problem }));
export const csrSubject = (problem: string) => dojot(X509Errors.X509_CSR_SUBJECT({ problem }));
export const csrKey = (problem: string) => dojot(X509Errors.X509_CSR_KEY({ problem }));
export const csrSignature = (problem: string) => dojot(X509Errors.X509_CSR_SIGNATURE({ problem }));
export const noSuchDevice = (tenant: string, device: string) =>
  dojot(X509Errors.X509_NO_SUCH_DEVICE({ tenant, device }));
export const invalidCertificate = (problem: string) => dojot(X509Errors.X509_INVALID_CERTIFICATE({ problem }));
export const untrusted = (detail: string) => dojot(X509Errors.X509_UNTRUSTED_CERTIFICATE({ detail }));
export const alreadyRegistered = (fingerprint: string) => dojot(X509Errors.X509_ALREADY_REGISTERED({ fingerprint }));
export const invalidQuery = (param: string, problem: string) =>
  dojot(X509Errors.X509_INVALID_QUERY({ param, problem }));
export const noSuchCertificate = (params: Record<string, unknown>) =>
  dojot(X509Errors.X509_NO_SUCH_CERTIFICATE({ params: JSON.stringify(params) }));
export const noSuchTrustedCa = (fingerprint: string) => dojot(X509Errors.X509_NO_SUCH_TRUSTED_CA({ fingerprint }));
export const invalidCa = (problem: string) => dojot(X509Errors.X509_INVALID_CA({ problem }));
export const caIsPlatform = () => dojot(X509Errors.X509_CA_IS_PLATFORM());
export const noIdentity = () => dojot(X509Errors.X509_NO_IDENTITY());
