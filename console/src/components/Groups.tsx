// dojot's PAP on the users page, for the platform's operators (administrators of tenant "admin"):
// each user's groups (add, remove), and the groups with their permissions (list, create with
// permissions, delete). Other administrators are refused by the API and see none of it.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { Field, FormError } from './Field';

export interface Group {
  id: number;
  name: string;
  description: string | null;
}
export interface Permission {
  id: number;
  name: string;
  path: string;
  method: string;
  permission: string;
}

/** The groups, or null when the caller may not administer them (403); [] when there are none (404). */
export async function loadGroups(): Promise<Group[] | null> {
  try {
    return (await api<{ groups: Group[] }>('GET', '/auth/pap/group')).groups;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    if (e instanceof ApiError && e.status === 403) return null;
    throw e;
  }
}

async function listOr404<T>(path: string, key: string): Promise<T[]> {
  try {
    return (await api<Record<string, T[]>>('GET', path))[key];
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

/** A user's groups as removable tags, and a picker adding one more. */
export function UserGroups(props: { userId: number; username: string; groups: Group[] }) {
  const [mine, setMine] = useState<Group[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  useEffect(() => {
    listOr404<Group>(`/auth/pap/user/${props.userId}/groups`, 'groups').then(setMine, (e: Error) =>
      setError(e.message),
    );
  }, [props.userId, reload]);
  const change = async (method: 'POST' | 'DELETE', group: Group) => {
    setError(null);
    try {
      await api(method, `/auth/pap/usergroup/${props.userId}/${group.id}`);
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (!mine) return error ? <small class="field-error">{error}</small> : null;
  const others = props.groups.filter((g) => !mine.some((m) => m.id === g.id));
  return (
    <div class="user-groups" data-groups-of={props.username}>
      {mine.map((g) => (
        <span class="tag" data-group={g.name}>
          {g.name}
          <button
            type="button"
            class="tag-remove"
            title={t('groups.removeFrom', { group: g.name })}
            aria-label={t('groups.removeFrom', { group: g.name })}
            onClick={() => void change('DELETE', g)}
          >
            ✕
          </button>
        </span>
      ))}
      {others.length ? (
        <select
          class="add-group"
          aria-label={t('groups.assign')}
          value=""
          onChange={(e) => {
            const g = others.find((x) => String(x.id) === e.currentTarget.value);
            if (g) void change('POST', g);
          }}
        >
          <option value="">{t('groups.assign')}</option>
          {others.map((g) => (
            <option value={String(g.id)}>{g.name}</option>
          ))}
        </select>
      ) : null}
      {error ? (
        <small class="field-error" role="alert" data-error-for={`groups-of-${props.username}`}>
          {error}
        </small>
      ) : null}
    </div>
  );
}

function GroupPermissions(props: { group: Group }) {
  const [perms, setPerms] = useState<Permission[] | null>(null);
  useEffect(() => {
    listOr404<Permission>(`/auth/pap/group/${props.group.id}/permissions`, 'permissions').then(setPerms, () =>
      setPerms([]),
    );
  }, [props.group.id]);
  if (!perms) return null;
  return (
    <ul class="permissions">
      {perms.map((p) => (
        <li data-permission={p.name} title={`${p.permission} ${p.method} ${p.path}`}>
          <code>{p.name}</code> <small>{`${p.permission} ${p.method} ${p.path}`}</small>
        </li>
      ))}
    </ul>
  );
}

/** The groups with their permissions; a form creating one with chosen permissions. */
export function GroupsAdmin(props: { groups: Group[]; onChange: () => void }) {
  const [perms, setPerms] = useState<Permission[]>([]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<number[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  useEffect(() => {
    listOr404<Permission>('/auth/pap/permission', 'permissions').then(setPerms, (e: Error) => setListError(e.message));
  }, []);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body: Record<string, string> = { name };
      if (description) body.description = description;
      const r = await api<{ id: number }>('POST', '/auth/pap/group', body);
      for (const p of chosen) await api('POST', `/auth/pap/grouppermissions/${r.id}/${p}`);
      setName('');
      setDescription('');
      setChosen([]);
      setCreating(false);
      props.onChange();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message, null, null));
    }
  };
  const remove = async (g: Group) => {
    if (!confirm(t('groups.confirmDelete', { name: g.name }))) return;
    setListError(null);
    try {
      await api('DELETE', `/auth/pap/group/${g.id}`);
      props.onChange();
    } catch (err) {
      setListError((err as Error).message);
    }
  };
  const fieldError = (k: string) => (error?.field === k ? error.message : null);
  return (
    <section id="groups-admin">
      <div class="page-head">
        <h3>{t('groups.title')}</h3>
        <button id="new-group" class="secondary" onClick={() => setCreating(true)}>
          {t('groups.new')}
        </button>
      </div>
      <p>{t('groups.help')}</p>
      <FormError error={listError} />
      {creating ? (
        <article>
          <form id="group-form" onSubmit={create} noValidate>
            <div class="grid-auto">
              <Field label={t('groups.name')} name="group-name" error={fieldError('name')}>
                <input
                  name="group-name"
                  value={name}
                  aria-invalid={fieldError('name') ? 'true' : undefined}
                  onInput={(e) => setName(e.currentTarget.value)}
                />
              </Field>
              <Field label={t('groups.description')} name="group-description" error={fieldError('description')}>
                <input
                  name="group-description"
                  value={description}
                  onInput={(e) => setDescription(e.currentTarget.value)}
                />
              </Field>
            </div>
            <fieldset>
              <legend>{t('groups.permissions')}</legend>
              <div class="permission-choices">
                {perms.map((p) => (
                  <label title={`${p.permission} ${p.method} ${p.path}`}>
                    <input
                      type="checkbox"
                      name="group-permission"
                      value={p.name}
                      checked={chosen.includes(p.id)}
                      onChange={(e) =>
                        setChosen(e.currentTarget.checked ? [...chosen, p.id] : chosen.filter((x) => x !== p.id))
                      }
                    />
                    {p.name}
                  </label>
                ))}
              </div>
            </fieldset>
            <FormError
              error={error && error.field !== 'name' && error.field !== 'description' ? error.message : null}
            />
            <div class="form-actions">
              <button type="submit" id="save-group">
                {t('groups.create')}
              </button>
              <button type="button" class="secondary outline" onClick={() => setCreating(false)}>
                {t('action.cancel')}
              </button>
            </div>
          </form>
        </article>
      ) : null}
      {props.groups.length ? (
        <table class="striped" id="groups">
          <thead>
            <tr>
              <th>{t('groups.name')}</th>
              <th>{t('groups.description')}</th>
              <th>{t('groups.permissions')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.groups.map((g) => (
              <tr data-group={g.name}>
                <td>{g.name}</td>
                <td>{g.description ?? ''}</td>
                <td>
                  <GroupPermissions key={g.id} group={g} />
                </td>
                <td class="actions">
                  <button class="secondary outline small delete-group" onClick={() => void remove(g)}>
                    {t('action.delete')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="empty">{t('groups.none')}</p>
      )}
    </section>
  );
}
