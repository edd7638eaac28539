/** Node Buffer encodings a file content may be given in. */
export const ENCODINGS = ['ascii', 'base64', 'hex', 'utf16le', 'utf8', 'binary'] as const;
