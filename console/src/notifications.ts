// The tenant's notifications (what the flows' notification node publishes): the newest kept ones
// from history at sign-in, then each new one live over kafka-ws. Unread counts those that came
// after the list was last looked at.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { watchTopic } from './live';

export interface Notice {
  msgID: string;
  message: unknown;
  subject: string;
  metaAttrsFilter: Record<string, unknown>;
  /** epoch ms */
  ts: number;
}

interface State {
  list: Notice[];
  unread: number;
  live: boolean;
}

const KEEP = 100;

function toNotice(m: Record<string, unknown>): Notice {
  const ts = typeof m.ts === 'string' ? Date.parse(m.ts) : Number(m.ts ?? m.timestamp ?? Date.now());
  return {
    msgID: String(m.msgID ?? `${ts}-${Math.random()}`),
    message: m.message,
    subject: String(m.subject ?? 'user_notification'),
    metaAttrsFilter: (m.metaAttrsFilter as Record<string, unknown>) ?? {},
    ts: Number.isFinite(ts) ? ts : Date.now(),
  };
}

/** The notifications of the signed-in tenant, live while mounted (the header keeps it mounted). */
export function useNotifications(tenant: string) {
  const [state, setState] = useState<State>({ list: [], unread: 0, live: false });
  useEffect(() => {
    let cancelled = false;
    api<{ notifications: Record<string, unknown>[] }>('GET', '/history/notifications/history').then(
      (r) => {
        if (cancelled) return;
        const old = (r.notifications ?? []).map(toNotice);
        setState((s) => ({
          ...s,
          list: [...s.list, ...old.filter((o) => !s.list.some((n) => n.msgID === o.msgID))].sort((a, b) => b.ts - a.ts),
        }));
      },
      () => undefined,
    );
    const stop = watchTopic(
      `${tenant}.dojot.notifications`,
      null,
      (m) => {
        const n = toNotice(m as Record<string, unknown>);
        setState((s) =>
          s.list.some((x) => x.msgID === n.msgID)
            ? s
            : { ...s, list: [n, ...s.list].slice(0, KEEP), unread: s.unread + 1 },
        );
      },
      (live) => setState((s) => ({ ...s, live })),
    );
    return () => {
      cancelled = true;
      stop();
    };
  }, [tenant]);
  const markRead = () => setState((s) => (s.unread ? { ...s, unread: 0 } : s));
  return { ...state, markRead };
}
