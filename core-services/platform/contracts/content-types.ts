// Which answers carry `Content-Type: application/json` without a charset. dojot's Flask services
// (auth and the device manager) sent exactly that, and their API contracts were checked against
// it; its Express and Falcon services sent a charset, which Fastify's default keeps. One table,
// read by the HTTP server's onSend hook (http.ts), so no route has to set the header itself.
// See docs/dojot-compatibility.md, "Content types".

/** Path prefixes (before the query) of the services that answered JSON without a charset. */
export const PLAIN_JSON_PREFIXES = ['/auth', '/device', '/template'] as const;

/** True when dojot answered JSON on this path as `application/json` with no charset parameter. */
export function answersPlainJson(url: string): boolean {
  for (const prefix of PLAIN_JSON_PREFIXES) {
    if (!url.startsWith(prefix)) continue;
    const next = url.charAt(prefix.length);
    if (next === '' || next === '/' || next === '?') return true;
  }
  return false;
}
