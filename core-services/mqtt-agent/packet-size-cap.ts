// MQTT lets a packet announce up to 256 MB, and aedes' parser (mqtt-packet) buffers a packet
// whole before anyone sees it: a client announcing a huge PUBLISH would have the broker hold it
// all in memory before the payload check (authorize-publish.ts) could drop it. Each connection's
// parser is given a cap on the announced length instead; a client over it is disconnected as
// soon as the fixed header arrives. Payloads over DOJOT_MQTT_PAYLOAD_LIMIT but within the cap are
// still read and dropped, acknowledged, as dojot did.

/** Room beyond the payload limit: a topic (up to 65,535 bytes), its length, a packet id, properties. */
export const PACKET_OVERHEAD_BYTES = 65_535 + 1_024;

interface CappableParser {
  packet: { length: number };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/**
 * Caps the announced packet length of the connection aedes made for a socket (`aedes.handle`
 * returns it). Returns false if this aedes version's parser is not the one it knows.
 */
export function capPacketSize(client: unknown, maxBytes: number, onRefused: () => void): boolean {
  const parser = (client as { _parser?: Partial<CappableParser> } | null)?._parser;
  if (!parser || typeof parser._parseLength !== 'function' || typeof parser._emitError !== 'function') return false;
  const p = parser as CappableParser;
  const parseLength = p._parseLength.bind(p);
  p._parseLength = () => {
    const done = parseLength();
    if (done && p.packet.length > maxBytes) {
      onRefused();
      // The parser stops; aedes closes the connection on the error.
      p._emitError(new Error(`packet of ${p.packet.length} bytes is over the ${maxBytes} bytes this broker accepts`));
      return false;
    }
    return done;
  };
  return true;
}
