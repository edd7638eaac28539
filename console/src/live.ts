// Live device data over kafka-ws: a single-use ticket (GET /kafka-ws/v1/ticket), then a websocket
// on the tenant's device-data topic filtered to one device. Reconnects with a new ticket while
// the page is open (a socket ends with the token's lifetime, or when the platform restarts).
import { api } from './api';

export interface DeviceData {
  metadata: { deviceid: string; tenant: string; timestamp: number };
  attrs: Record<string, unknown>;
}

export function watchDevice(tenant: string, deviceId: string, onData: (d: DeviceData) => void, onState: (live: boolean) => void): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const open = async () => {
    try {
      const { ticket } = await api<{ ticket: string }>('GET', '/kafka-ws/v1/ticket');
      if (stopped) return;
      const q = new URLSearchParams({ ticket, where: `metadata.deviceid=eq:${deviceId};` });
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      ws = new WebSocket(`${scheme}://${location.host}/kafka-ws/v1/topics/${encodeURIComponent(`${tenant}.device-data`)}?${q}`);
      ws.onopen = () => onState(true);
      ws.onmessage = (e) => {
        try {
          onData(JSON.parse(String(e.data)) as DeviceData);
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
