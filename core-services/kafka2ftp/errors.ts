// Kafka2FTP's coded errors (its configuration API is ours: dojot configured one server by environment).
import { defineErrors } from '../platform/errors.js';

export const Kafka2FtpErrors = defineErrors({
  KAFKA2FTP_INVALID_CONFIG: { status: 400, message: '{field}: {problem}', fix: 'Correct the field named.' },
  KAFKA2FTP_NOT_CONFIGURED: {
    status: 404,
    message: 'No FTP server is configured for this tenant',
    fix: 'Set one with PUT /kafka2ftp/v1/config.',
  },
});
