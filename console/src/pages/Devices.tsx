// Devices: search by label, a page at a time, delete with confirmation.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { t } from '../i18n';
import { go, href } from '../router';
import { Pager, type Pagination } from '../components/Pager';
import { FormError } from '../components/Field';
import { ListHead } from '../components/ListHead';
import type { Attr } from './Templates';

export interface Device {
  id: string;
  label: string;
  created: string;
  templates: number[];
  attrs: Record<string, Attr[]>;
}

const PAGE_SIZE = 10;

export function DevicesPage() {
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ devices: Device[]; pagination: Pagination } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const q = new URLSearchParams({ page_size: String(PAGE_SIZE), page_num: String(page), sortBy: 'label' });
    if (search) q.set('label', search);
    api('GET', `/device?${q}`).then(setData, (e: Error) => setError(e.message));
  }, [search, page, reload]);

  const remove = async (d: Device) => {
    if (!confirm(t('devices.confirmDelete', { label: d.label }))) return;
    try {
      await api('DELETE', `/device/${d.id}`);
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section>
      <ListHead
        title={t('nav.devices')}
        newLabel={t('devices.new')}
        newId="new-device"
        onNew={() => go('devices/new')}
        searchId="device-search"
        search={search}
        onSearch={(v) => {
          setSearch(v);
          setPage(1);
        }}
      />
      <FormError error={error} />
      {data && data.devices.length === 0 ? <p class="empty">{t('list.empty')}</p> : null}
      {data && data.devices.length ? (
        <table class="striped" id="devices">
          <thead>
            <tr>
              <th>{t('field.label')}</th>
              <th>{t('devices.id')}</th>
              <th>{t('devices.attrs')}</th>
              <th>{t('field.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.devices.map((d) => (
              <tr data-device={d.label}>
                <td>
                  <a href={href(`devices/${d.id}`)}>{d.label}</a>
                </td>
                <td>
                  <code>{d.id}</code>
                </td>
                <td>
                  {Object.values(d.attrs)
                    .flat()
                    .map((a) => a.label)
                    .join(', ')}
                </td>
                <td>{new Date(d.created).toLocaleString()}</td>
                <td class="actions">
                  <button class="secondary outline small delete" onClick={() => void remove(d)}>
                    {t('action.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager pagination={data?.pagination ?? null} onPage={setPage} />
    </section>
  );
}
