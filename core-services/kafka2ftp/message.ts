// dojot's FTP message (§10 of docs/dojot-compatibility.md); only `data` is read:
//   {"metadata":{"msgId"|"msgID","ts","service","contentType"},"data":{"filename","encoding","content"}}
// A file name is reduced to its last path segment, so no message can write outside the directory.

export interface FtpFile {
  filename: string;
  content: Buffer;
}

/** The file a message carries, or the reason it carries none. */
export function fileOf(value: unknown): FtpFile | { problem: string } {
  let v = value;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return { problem: 'the message is not JSON' };
    }
  }
  const data = (v as { data?: unknown } | null)?.data as
    { filename?: unknown; encoding?: unknown; content?: unknown } | undefined;
  if (!data || typeof data !== 'object') return { problem: 'the message has no data object' };
  if (typeof data.filename !== 'string') return { problem: 'data.filename must be a string' };
  const filename = data.filename.split(/[\\/]/).pop() ?? '';
  if (filename === '' || filename === '.' || filename === '..' || /[\x00-\x1f]/.test(filename))
    return { problem: `data.filename "${data.filename}" names no file` };
  if (typeof data.encoding !== 'string' || !Buffer.isEncoding(data.encoding))
    return { problem: `data.encoding "${String(data.encoding)}" is not a Node Buffer encoding` };
  if (typeof data.content !== 'string') return { problem: 'data.content must be a string' };
  return { filename, content: Buffer.from(data.content, data.encoding) };
}
