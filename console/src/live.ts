// Live device data over kafka-ws: a single-use ticket (GET /kafka-ws/v1/ticket), then a websocket
// on one of the tenant's topics (device data filtered to one device, notifications). Reconnects with a new ticket while
// the page is open (a socket ends with the token's lifetime, or when the platform restarts).
import { api } from './api';

export interface DeviceData {
  metadata: { deviceid: string; tenant: string; timestamp: number };
  attrs: Record<string, unknown>;
}

export function watchDevice(
  tenant: string,
  deviceId: string,
  onData: (d: DeviceData) => void,
  onState: (live: boolean) => void,
): () => void {
  return watchTopic(
    `${tenant}.device-data`,
    `metadata.deviceid=eq:${deviceId};`,
    (m) => onData(m as DeviceData),
    onState,
  );
}

/** Messages of one of the tenant's topics (`<tenant>.<subject>`), optionally filtered (kafka-ws `where`). */
export function watchTopic(
  topic: string,
  where: string | null,
  onMessage: (m: unknown) => void,
  onState: (live: boolean) => void = () => undefined,
): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const open = async () => {
    try {
      const { ticket } = await api<{ ticket: string }>('GET', '/kafka-ws/v1/ticket');
      if (stopped) return;
      const q = new URLSearchParams({ ticket });
      if (where) q.set('where', where);
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      ws = new WebSocket(`${scheme}://${location.host}/kafka-ws/v1/topics/${encodeURIComponent(topic)}?${q}`);
      ws.onopen = () => onState(true);
      ws.onmessage = (e) => {
        try {
          onMessage(JSON.parse(String(e.data)));
        } catch {
          // Not JSON: nothing to show.
        }
      };
      ws.onclose = () => {
        onState(false);
        if (!stopped) retry = setTimeout(() => void open(), 3000);
      };
    } catch {
      if (!stopped) retry = setTimeout(() => void open(), 5000);
    }
  };
  void open();
  return () => {
    stopped = true;
    clearTimeout(retry);
    ws?.close();
  };
}
