// The tenant's notifications, newest first: those kept in history and those that arrived live.
import { useEffect } from 'preact/hooks';
import { t } from '../i18n';
import type { Notice } from '../notifications';

const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function NotificationsPage(props: { list: Notice[]; live: boolean; markRead: () => void }) {
  useEffect(() => props.markRead(), [props.list.length]);
  return (
    <section>
      <div class="page-head">
        <h2>{t('nav.notifications')}</h2>
        <span class={props.live ? 'live on' : 'live'}>{props.live ? t('device.live') : t('device.offline')}</span>
      </div>
      {props.list.length === 0 ? <p class="empty">{t('notifications.none')}</p> : null}
      {props.list.length ? (
        <table class="striped" id="notifications">
          <thead>
            <tr>
              <th>{t('device.time')}</th>
              <th>{t('notifications.message')}</th>
              <th>{t('notifications.details')}</th>
            </tr>
          </thead>
          <tbody>
            {props.list.map((n) => (
              <tr data-msgid={n.msgID}>
                <td>{new Date(n.ts).toLocaleString()}</td>
                <td class="message">{text(n.message)}</td>
                <td>
                  <small>
                    {Object.entries(n.metaAttrsFilter)
                      .filter(([k]) => k !== 'shouldPersist')
                      .map(([k, v]) => `${k}: ${text(v)}`)
                      .join(' · ')}
                  </small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
