// One device: its latest values updating live, a history chart and table with a time range and
// attribute picker, CSV download, an actuation form for its actuators, and its MQTT topics.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, download } from '../api';
import { t } from '../i18n';
import { go, href } from '../router';
import { currentClaims } from '../session';
import { watchDevice } from '../live';
import { Field, FormError } from '../components/Field';
import { HistoryChart } from '../components/HistoryChart';
import { Certificates } from '../components/Certificates';
import type { Attr } from './Templates';
import type { Device } from './Devices';

interface Latest {
  [label: string]: { value: unknown; ts: string | number };
}
interface Row {
  ts: string;
  value: unknown;
  attr: string;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const RANGES: Record<string, number> = { '1h': 3600_000, '24h': 86400_000, '7d': 7 * 86400_000 };

/** An actuator's typed value from what was typed: the API passes JSON values to the device as they are. */
export function parseTyped(valueType: string, text: string): unknown {
  switch (valueType) {
    case 'integer':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (valueType === 'integer' && !Number.isInteger(n)))
        throw new Error(t('device.notNumber', { type: valueType }));
      return n;
    }
    case 'bool':
      return text === 'true';
    case 'object':
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(t('device.notJson'));
      }
    default:
      return text;
  }
}

function sample(valueType: string): unknown {
  return (
    (
      { integer: 21, float: 21.5, bool: true, 'geo:point': '-22.81,-47.06', object: { on: true } } as Record<
        string,
        unknown
      >
    )[valueType] ?? 'text'
  );
}

function Latest(props: { attrs: Attr[]; latest: Latest; live: boolean }) {
  const data = props.attrs.filter((a) => a.type === 'dynamic' || a.type === 'actuator' || a.type === 'static');
  return (
    <article>
      <header class="card-head">
        <strong>{t('device.latest')}</strong>
        <span class={props.live ? 'live on' : 'live'} id="live-state">
          {props.live ? t('device.live') : t('device.offline')}
        </span>
      </header>
      <table id="latest">
        <thead>
          <tr>
            <th>{t('field.label')}</th>
            <th>{t('field.type')}</th>
            <th>{t('device.value')}</th>
            <th>{t('device.time')}</th>
          </tr>
        </thead>
        <tbody>
          {data.map((a) => {
            const v = props.latest[a.label];
            const value = v ? v.value : a.type === 'static' ? a.static_value : undefined;
            return (
              <tr data-attr={a.label}>
                <td>{a.label}</td>
                <td>
                  {t(`attrType.${a.type}`)} · {a.value_type}
                </td>
                <td class="value">{value === undefined ? '—' : show(value)}</td>
                <td>{v ? new Date(v.ts).toLocaleString() : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </article>
  );
}

function Actuate(props: { id: string; actuators: Attr[] }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const [sent, setSent] = useState(false);
  if (!props.actuators.length) return null;
  const send = async (e: Event) => {
    e.preventDefault();
    setSent(false);
    setError(null);
    const attrs: Record<string, unknown> = {};
    for (const a of props.actuators) {
      const text = values[a.label];
      if (text === undefined || (text === '' && a.value_type !== 'string')) continue;
      try {
        attrs[a.label] = parseTyped(a.value_type, text);
      } catch (err) {
        return setError({ field: a.label, message: (err as Error).message });
      }
    }
    if (!Object.keys(attrs).length) return setError({ field: null, message: t('device.nothingToSend') });
    try {
      await api('PUT', `/device/${props.id}/actuate`, { attrs });
      setSent(true);
    } catch (err) {
      setError({ field: err instanceof ApiError ? err.field : null, message: (err as Error).message });
    }
  };
  return (
    <article>
      <header>
        <strong>{t('device.actuate')}</strong>
      </header>
      <form id="actuate-form" onSubmit={send} noValidate>
        <div class="grid-auto">
          {props.actuators.map((a) => (
            <Field
              label={`${a.label} (${a.value_type})`}
              name={a.label}
              error={error?.field === a.label ? error.message : null}
            >
              {a.value_type === 'bool' ? (
                <select
                  name={a.label}
                  value={values[a.label] ?? ''}
                  onChange={(e) => setValues({ ...values, [a.label]: e.currentTarget.value })}
                >
                  <option value="" />
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  name={a.label}
                  value={values[a.label] ?? ''}
                  onInput={(e) => setValues({ ...values, [a.label]: e.currentTarget.value })}
                />
              )}
            </Field>
          ))}
        </div>
        <FormError error={error && !props.actuators.some((a) => a.label === error.field) ? error.message : null} />
        {sent ? (
          <p class="ok" role="status" id="actuate-sent">
            {t('device.sent')}
          </p>
        ) : null}
        <button type="submit" id="actuate">
          {t('device.send')}
        </button>
      </form>
    </article>
  );
}

function History(props: { id: string; attrs: Attr[]; liveRows: Row[] }) {
  const labels = props.attrs.filter((a) => a.type === 'dynamic' || a.type === 'actuator').map((a) => a.label);
  const [attr, setAttr] = useState(labels[0] ?? '');
  const [range, setRange] = useState('24h');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);

  const query = useMemo(() => {
    const q = new URLSearchParams({ attr, hLimit: '1000' });
    if (range === 'custom') {
      if (from) q.set('dateFrom', new Date(from).toISOString());
      if (to) q.set('dateTo', new Date(to).toISOString());
    } else q.set('dateFrom', new Date(Date.now() - RANGES[range]).toISOString());
    return q;
  }, [attr, range, from, to]);

  useEffect(() => {
    if (!attr) return;
    setError(null);
    api<Row[]>('GET', `/history/device/${props.id}/history?${query}`).then(
      (r) => setRows(Array.isArray(r) ? r : []),
      (e: ApiError) => {
        setRows([]);
        // No reading yet in the range: dojot answers 404 "Attr not found".
        if (e.status !== 404) setError(e.message);
      },
    );
  }, [props.id, query]);

  // A live reading of the picked attribute joins the table and chart (relative ranges only).
  useEffect(() => {
    const r = props.liveRows.find((x) => x.attr === attr);
    if (r && range !== 'custom') setRows((old) => [r, ...old].slice(0, 1000));
  }, [props.liveRows]);

  const numeric = rows
    .filter((r) => typeof r.value === 'number')
    .map((r) => ({ ts: Date.parse(r.ts), value: r.value as number }));
  if (!labels.length) return null;
  return (
    <article>
      <header class="card-head">
        <strong>{t('device.history')}</strong>
        <button
          class="secondary outline small"
          id="csv"
          onClick={() =>
            void download(
              `/history/device/${props.id}/history?${query}&format=csv`,
              `${props.id}-history.csv`,
              'text/csv',
            ).catch((e: Error) => setError(e.message))
          }
        >
          {t('device.csv')}
        </button>
      </header>
      <div class="grid-auto">
        <label>
          {t('device.attr')}
          <select id="history-attr" value={attr} onChange={(e) => setAttr(e.currentTarget.value)}>
            {labels.map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          {t('device.range')}
          <select id="history-range" value={range} onChange={(e) => setRange(e.currentTarget.value)}>
            {[...Object.keys(RANGES), 'custom'].map((r) => (
              <option value={r}>{t(`range.${r}`)}</option>
            ))}
          </select>
        </label>
        {range === 'custom' ? (
          <>
            <label>
              {t('device.from')}
              <input
                type="datetime-local"
                id="history-from"
                value={from}
                onInput={(e) => setFrom(e.currentTarget.value)}
              />
            </label>
            <label>
              {t('device.to')}
              <input type="datetime-local" id="history-to" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
            </label>
          </>
        ) : null}
      </div>
      <FormError error={error} />
      {numeric.length > 1 ? <HistoryChart label={attr} points={numeric} /> : null}
      {rows.length === 0 ? <p class="empty">{t('device.noHistory')}</p> : null}
      {rows.length ? (
        <div class="table-scroll">
          <table id="history-table" class="striped">
            <thead>
              <tr>
                <th>{t('device.time')}</th>
                <th>{t('device.value')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, 100).map((r) => (
                <tr>
                  <td>{new Date(r.ts).toLocaleString()}</td>
                  <td>{show(r.value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </article>
  );
}

function Mqtt(props: { tenant: string; id: string; attrs: Attr[] }) {
  const client = `${props.tenant}:${props.id}`;
  const payload = Object.fromEntries(
    props.attrs.filter((a) => a.type === 'dynamic').map((a) => [a.label, sample(a.value_type)]),
  );
  const line = `mosquitto_pub -h ${location.hostname} -p 1883 -u '${client}' -t '${client}/attrs' -m '${JSON.stringify(payload)}'`;
  return (
    <article id="mqtt">
      <header>
        <strong>{t('device.mqtt')}</strong>
      </header>
      <dl>
        <dt>{t('device.mqttUser')}</dt>
        <dd>
          <code>{client}</code>
        </dd>
        <dt>{t('device.mqttPublish')}</dt>
        <dd>
          <code>{client}/attrs</code>
        </dd>
        <dt>{t('device.mqttSubscribe')}</dt>
        <dd>
          <code>{client}/config</code>
        </dd>
      </dl>
      <p>{t('device.mqttExample')}</p>
      <pre id="mosquitto-pub">
        <code>{line}</code>
      </pre>
    </article>
  );
}

export function DevicePage(props: { id: string }) {
  const claims = currentClaims();
  const [device, setDevice] = useState<Device | null>(null);
  const [latest, setLatest] = useState<Latest>({});
  const [live, setLive] = useState(false);
  const [liveRows, setLiveRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setDevice(null);
    api<Device>('GET', `/device/${encodeURIComponent(props.id)}`).then(setDevice, (e: Error) => setError(e.message));
    api<{ attrs: Latest }>('GET', `/device/${encodeURIComponent(props.id)}/latest`).then(
      (r) => setLatest(r.attrs ?? {}),
      () => undefined,
    );
  }, [props.id]);

  useEffect(() => {
    if (!claims) return;
    return watchDevice(
      claims.tenant,
      props.id,
      (d) => {
        const ts = d.metadata.timestamp ?? Date.now();
        setLatest((old) => {
          const next = { ...old };
          for (const [k, v] of Object.entries(d.attrs)) next[k] = { value: v, ts };
          return next;
        });
        setLiveRows(Object.entries(d.attrs).map(([k, v]) => ({ attr: k, value: v, ts: new Date(ts).toISOString() })));
      },
      setLive,
    );
  }, [props.id, claims?.tenant]);

  const remove = async () => {
    if (!device || !confirm(t('devices.confirmDelete', { label: device.label }))) return;
    try {
      await api('DELETE', `/device/${props.id}`);
      go('devices');
    } catch (e) {
      setError((e as Error).message);
    }
  };

  if (error && !device) return <FormError error={error} />;
  if (!device || !claims) return <p aria-busy="true" />;
  const attrs = Object.values(device.attrs).flat();
  return (
    <section>
      <div class="page-head">
        <h2>
          {device.label} <code id="device-id">{device.id}</code>
        </h2>
        <div>
          <a role="button" class="secondary outline" href={href(`devices/${device.id}/edit`)}>
            {t('action.edit')}
          </a>{' '}
          <button class="secondary outline" id="delete-device" onClick={() => void remove()}>
            {t('action.delete')}
          </button>
        </div>
      </div>
      <FormError error={error} />
      <Latest attrs={attrs} latest={latest} live={live} />
      <Actuate id={device.id} actuators={attrs.filter((a) => a.type === 'actuator')} />
      <History id={device.id} attrs={attrs} liveRows={liveRows} />
      <Mqtt tenant={claims.tenant} id={device.id} attrs={attrs} />
      <Certificates deviceId={device.id} />
    </section>
  );
}
