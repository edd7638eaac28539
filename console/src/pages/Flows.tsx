// The tenant's flows: enable or disable each, open it in the editor, delete; the revisions of the
// whole configuration with what each changed node by node, and restore; export and import of the
// tenant's configuration; and (for administrators) the state of the tenant's flow runtime.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, download } from '../api';
import { t } from '../i18n';
import { currentClaims, currentToken } from '../session';
import { FormError } from '../components/Field';

interface Flow {
  id: string;
  name: string;
  enabled: boolean;
  flow: { id: string; type: string }[];
  updated: number;
}
interface Revision {
  id: string | number;
  created: string | number;
  author: string;
  via: string;
  restoredFrom?: string | number | null;
  summary: { added: number; removed: number; changed: number; touched?: string[] };
}
interface NodeLike {
  id: string;
  type: string;
  name?: string;
  z?: string;
}
interface RevisionDetail {
  changes: { added: NodeLike[]; removed: NodeLike[]; changed: { id: string; before: NodeLike; after: NodeLike }[] };
}
interface Runtime {
  tenant: string;
  state: string;
  safeMode?: boolean;
  restarts: number;
  memory: { rssBytes: number; heapUsedBytes: number } | null;
  startedAt: number | null;
  lastExit: { code: number | null; signal: string | null; at: number; reason: string } | null;
}

const nodeName = (n: NodeLike) => `${n.type}${n.name ? ` “${n.name}”` : ''} (${n.id})`;
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;

/** What differs between two versions of a node, field by field (x/y moves left out). */
function changedFields(before: NodeLike, after: NodeLike): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  return [...keys]
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => (k === 'x' || k === 'y' ? 'position' : k))
    .filter((k, i, all) => all.indexOf(k) === i);
}

function RevisionChanges(props: { id: string | number; onRestore: () => void }) {
  const [detail, setDetail] = useState<RevisionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<RevisionDetail>('GET', `/flows/v1/revisions/${props.id}`).then(setDetail, (e: Error) => setError(e.message));
  }, [props.id]);
  if (error) return <FormError error={error} />;
  if (!detail) return <p aria-busy="true" />;
  const { added, removed, changed } = detail.changes;
  return (
    <div class="revision-changes" data-revision={String(props.id)}>
      {added.length + removed.length + changed.length === 0 ? <p class="empty">{t('flows.noChanges')}</p> : null}
      <ul>
        {added.map((n) => (
          <li class="added">+ {nodeName(n)}</li>
        ))}
        {removed.map((n) => (
          <li class="removed">− {nodeName(n)}</li>
        ))}
        {changed.map((c) => (
          <li class="changed">
            ~ {nodeName(c.after)}: {changedFields(c.before, c.after).join(', ')}
          </li>
        ))}
      </ul>
      <button class="secondary small restore" onClick={props.onRestore}>
        {t('flows.restore')}
      </button>
    </div>
  );
}

function RuntimeCard() {
  const claims = currentClaims();
  const [rt, setRt] = useState<Runtime | null | 'none' | 'forbidden'>(null);
  useEffect(() => {
    api<{ runtimes: Runtime[] }>('GET', '/flows/v1/runtime').then(
      (r) => setRt(r.runtimes.find((x) => x.tenant === claims?.tenant) ?? 'none'),
      (e: ApiError) => setRt(e.status === 403 ? 'forbidden' : 'none'),
    );
  }, []);
  if (rt === null || rt === 'forbidden') return null;
  return (
    <article id="runtime">
      <header>
        <strong>{t('flows.runtime')}</strong>
      </header>
      {rt === 'none' ? (
        <p class="empty">{t('flows.runtimeNone')}</p>
      ) : (
        <dl class="who">
          <dt>{t('flows.state')}</dt>
          <dd id="runtime-state">
            {rt.state}
            {rt.safeMode ? ` (${t('flows.safeMode')})` : ''}
          </dd>
          <dt>{t('flows.memory')}</dt>
          <dd>{rt.memory ? `${mb(rt.memory.rssBytes)} (heap ${mb(rt.memory.heapUsedBytes)})` : '—'}</dd>
          <dt>{t('flows.restarts')}</dt>
          <dd>{rt.restarts}</dd>
          <dt>{t('flows.since')}</dt>
          <dd>{rt.startedAt ? new Date(rt.startedAt).toLocaleString() : '—'}</dd>
          <dt>{t('flows.lastExit')}</dt>
          <dd>{rt.lastExit ? `${rt.lastExit.reason} (${new Date(rt.lastExit.at).toLocaleString()})` : '—'}</dd>
        </dl>
      )}
    </article>
  );
}

export function FlowsPage() {
  const [flows, setFlows] = useState<Flow[] | null>(null);
  const [revisions, setRevisions] = useState<Revision[]>([]);
  const [open, setOpen] = useState<string | number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    api<{ flows: Flow[] }>('GET', '/flows/v1/flow').then(
      (r) => setFlows(r.flows),
      (e: Error) => setError(e.message),
    );
    api<{ revisions: Revision[] }>('GET', '/flows/v1/revisions?limit=20').then(
      (r) => setRevisions(r.revisions),
      () => setRevisions([]),
    );
  }, [reload]);

  const act = async (fn: () => Promise<unknown>, done?: string) => {
    setError(null);
    setNotice(null);
    try {
      await fn();
      if (done) setNotice(done);
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const editor = (id?: string) =>
    `/flows/?access_token=${encodeURIComponent(currentToken() ?? '')}${id ? `#flow/${id}` : ''}`;

  const importFile = async (file: File) => {
    if (!confirm(t('flows.importConfirm'))) return;
    let body: unknown;
    try {
      body = JSON.parse(await file.text());
    } catch {
      return setError(t('device.notJson'));
    }
    await act(() => api('POST', '/import', body), t('flows.imported'));
  };

  return (
    <section>
      <div class="page-head">
        <h2>{t('nav.flows')}</h2>
        <a role="button" href={editor()} target="_blank" rel="noopener" id="open-editor-flows">
          {t('flows.openEditor')}
        </a>
      </div>
      <FormError error={error} />
      {notice ? (
        <p class="ok" role="status" id="flows-notice">
          {notice}
        </p>
      ) : null}
      {flows && flows.length === 0 ? <p class="empty">{t('list.empty')}</p> : null}
      {flows && flows.length ? (
        <table class="striped" id="flows">
          <thead>
            <tr>
              <th>{t('flows.name')}</th>
              <th>{t('flows.nodes')}</th>
              <th>{t('flows.enabled')}</th>
              <th>{t('flows.updated')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {flows.map((f) => (
              <tr data-flow={f.name}>
                <td>
                  <a href={editor(f.id)} target="_blank" rel="noopener">
                    {f.name}
                  </a>
                </td>
                <td>{f.flow.length}</td>
                <td>
                  <input
                    type="checkbox"
                    role="switch"
                    class="enabled"
                    aria-label={t('flows.enabled')}
                    checked={f.enabled}
                    onChange={(e) =>
                      void act(() => api('PUT', `/flows/v1/flow/${f.id}`, { enabled: e.currentTarget.checked }))
                    }
                  />
                </td>
                <td>{new Date(f.updated).toLocaleString()}</td>
                <td class="actions">
                  <button
                    class="secondary outline small delete"
                    onClick={() =>
                      confirm(t('flows.confirmDelete', { name: f.name })) &&
                      void act(() => api('DELETE', `/flows/v1/flow/${f.id}`))
                    }
                  >
                    {t('action.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      <article>
        <header class="card-head">
          <strong>{t('flows.revisions')}</strong>
        </header>
        {revisions.length === 0 ? <p class="empty">{t('list.empty')}</p> : null}
        <table id="revisions">
          <tbody>
            {revisions.map((r) => (
              <Fragment key={String(r.id)}>
                <tr data-revision={String(r.id)}>
                  <td>{new Date(r.created).toLocaleString()}</td>
                  <td>{r.author}</td>
                  <td>{t(`via.${r.via}`)}</td>
                  <td>
                    <span class="added">+{r.summary.added}</span> <span class="removed">−{r.summary.removed}</span>{' '}
                    <span class="changed">~{r.summary.changed}</span>
                    {r.summary.touched?.length ? <small> · {r.summary.touched.join(', ')}</small> : null}
                  </td>
                  <td class="actions">
                    <button
                      class="secondary outline small show-changes"
                      onClick={() => setOpen(open === r.id ? null : r.id)}
                    >
                      {t('flows.changes')}
                    </button>
                  </td>
                </tr>
                {open === r.id ? (
                  <tr>
                    <td colSpan={5}>
                      <RevisionChanges
                        id={r.id}
                        onRestore={() =>
                          confirm(t('flows.restoreConfirm')) &&
                          void act(() => api('POST', `/flows/v1/revisions/${r.id}/restore`), t('flows.restored'))
                        }
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      </article>

      <article>
        <header>
          <strong>{t('flows.transfer')}</strong>
        </header>
        <p>{t('flows.transferHelp')}</p>
        <div class="form-actions">
          <button
            class="secondary"
            id="export"
            onClick={() =>
              void download('/export', 'dojot-red-export.json', 'application/json').catch((e: Error) =>
                setError(e.message),
              )
            }
          >
            {t('flows.export')}
          </button>
          <button class="secondary outline" id="import" onClick={() => document.getElementById('import-file')?.click()}>
            {t('flows.import')}
          </button>
          <input
            type="file"
            id="import-file"
            accept="application/json,.json"
            hidden
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (file) void importFile(file);
            }}
          />
        </div>
      </article>
      <RuntimeCard />
    </section>
  );
}
