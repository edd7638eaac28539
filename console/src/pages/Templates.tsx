// Templates: search by label, a page at a time, delete with confirmation.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { go, href } from '../router';
import { Pager, type Pagination } from '../components/Pager';
import { FormError } from '../components/Field';
import { ListHead } from '../components/ListHead';

export interface Attr {
  id?: number;
  label: string;
  type: string;
  value_type: string;
  static_value?: unknown;
  metadata?: Attr[];
  template_id?: string;
}
export interface Template {
  id: number;
  label: string;
  created: string;
  attrs: Attr[];
}

const PAGE_SIZE = 10;

export function TemplatesPage() {
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const [data, setData] = useState<{ templates: Template[]; pagination: Pagination } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const q = new URLSearchParams({ page_size: String(PAGE_SIZE), page_num: String(page), sortBy: 'label' });
    if (search) q.set('label', search);
    api('GET', `/template?${q}`).then(setData, (e: Error) => setError(e.message));
  }, [search, page, reload]);

  const remove = async (tpl: Template) => {
    if (!confirm(t('templates.confirmDelete', { label: tpl.label }))) return;
    try {
      await api('DELETE', `/template/${tpl.id}`);
      setError(null);
      setReload((n) => n + 1);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 400 ? t('templates.inUse') : (e as Error).message);
    }
  };

  return (
    <section>
      <ListHead
        title={t('nav.templates')}
        newLabel={t('templates.new')}
        newId="new-template"
        onNew={() => go('templates/new')}
        searchId="template-search"
        search={search}
        onSearch={(v) => {
          setSearch(v);
          setPage(1);
        }}
      />
      <FormError error={error} />
      {data && data.templates.length === 0 ? <p class="empty">{t('list.empty')}</p> : null}
      {data && data.templates.length ? (
        <table class="striped" id="templates">
          <thead>
            <tr>
              <th>{t('field.label')}</th>
              <th>{t('templates.attrs')}</th>
              <th>{t('field.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.templates.map((tpl) => (
              <tr data-template={tpl.label}>
                <td>
                  <a href={href(`templates/${tpl.id}`)}>{tpl.label}</a>
                </td>
                <td>{tpl.attrs.map((a) => a.label).join(', ')}</td>
                <td>{new Date(tpl.created).toLocaleString()}</td>
                <td class="actions">
                  <button class="secondary outline small delete" onClick={() => void remove(tpl)}>
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
