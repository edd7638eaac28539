// Users and their profiles, for administrators: those of their tenant (or, for administrators of
// tenant "admin", of every tenant); add, edit, remove. The platform's operators also see and change
// each user's groups, and the groups with their permissions (components/Groups.tsx).
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { currentClaims } from '../session';
import { Field, FormError } from '../components/Field';
import { GroupsAdmin, loadGroups, UserGroups, type Group } from '../components/Groups';

interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  service: string;
  profile: string;
}

const PROFILES = ['user', 'admin'];
const FIELDS = ['username', 'name', 'email', 'service', 'profile', 'passwd'];
type Draft = Record<(typeof FIELDS)[number], string>;

function UserForm(props: { user: User | null; onDone: () => void; onCancel: () => void }) {
  const claims = currentClaims();
  const u = props.user;
  const [draft, setDraft] = useState<Draft>({
    username: u?.username ?? '',
    name: u?.name ?? '',
    email: u?.email ?? '',
    service: u?.service ?? claims?.tenant ?? '',
    profile: u?.profile ?? 'user',
    passwd: '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const set = (k: string, v: string) => setDraft({ ...draft, [k]: v });
  const fieldError = (k: string) => (error?.field === k ? error.message : null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      if (u) {
        const body: Record<string, string> = {
          name: draft.name,
          email: draft.email,
          service: draft.service,
          profile: draft.profile,
        };
        if (draft.passwd) body.passwd = draft.passwd;
        await api('PUT', `/auth/user/${u.id}`, body);
      } else {
        const body: Record<string, string> = { ...draft };
        if (!body.passwd) delete body.passwd;
        await api('POST', '/auth/user', body);
      }
      props.onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message, null, null));
    }
  };
  const input = (k: string, type: 'text' | 'email' | 'password' = 'text') => (
    <Field label={t(`users.${k}`)} name={k} error={fieldError(k)}>
      <input
        name={k}
        type={type as 'text'}
        value={draft[k]}
        readOnly={k === 'username' && !!u}
        aria-invalid={fieldError(k) ? 'true' : undefined}
        onInput={(e) => set(k, e.currentTarget.value)}
      />
    </Field>
  );
  return (
    <article>
      <form id="user-form" onSubmit={save} noValidate>
        <div class="grid-auto">
          {input('username')}
          {input('name')}
          {input('email', 'email')}
          {input('service')}
          <Field label={t('users.profile')} name="profile" error={fieldError('profile')}>
            <select name="profile" value={draft.profile} onChange={(e) => set('profile', e.currentTarget.value)}>
              {PROFILES.map((p) => (
                <option value={p}>{p}</option>
              ))}
            </select>
          </Field>
          {input('passwd', 'password')}
        </div>
        <FormError error={error && !FIELDS.includes(error.field ?? '') ? error.message : null} />
        <div class="form-actions">
          <button type="submit" id="save-user">
            {t('action.save')}
          </button>
          <button type="button" class="secondary outline" onClick={props.onCancel}>
            {t('action.cancel')}
          </button>
        </div>
      </form>
    </article>
  );
}

export function UsersPage() {
  const claims = currentClaims();
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [reload, setReload] = useState(0);
  /** null: not an operator (no PAP for this administrator). */
  const [groups, setGroups] = useState<Group[] | null>(null);
  useEffect(() => {
    loadGroups().then(setGroups, (e: Error) => setError(e.message));
  }, [reload]);
  useEffect(() => {
    api<{ users: User[] }>('GET', '/auth/user').then(
      (r) => setUsers(r.users),
      (e: ApiError) => (e.status === 404 ? setUsers([]) : setError(e.message)),
    );
  }, [reload]);
  const remove = async (u: User) => {
    if (!confirm(t('users.confirmDelete', { username: u.username }))) return;
    try {
      await api('DELETE', `/auth/user/${u.id}`);
      setReload((n) => n + 1);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const done = () => {
    setEditing(null);
    setReload((n) => n + 1);
  };
  return (
    <section>
      <div class="page-head">
        <h2>{t('nav.users')}</h2>
        <button id="new-user" onClick={() => setEditing('new')}>
          {t('users.new')}
        </button>
      </div>
      <FormError error={error} />
      {editing ? (
        <UserForm
          key={editing === 'new' ? 'new' : editing.id}
          user={editing === 'new' ? null : editing}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      {users ? (
        <table class="striped" id="users">
          <thead>
            <tr>
              <th>{t('users.username')}</th>
              <th>{t('users.name')}</th>
              <th>{t('users.email')}</th>
              <th>{t('users.service')}</th>
              <th>{t('users.profile')}</th>
              {groups ? <th>{t('groups.column')}</th> : null}
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr data-user={u.username}>
                <td>{u.username}</td>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{u.service}</td>
                <td>{u.profile}</td>
                {groups ? (
                  <td>
                    <UserGroups key={`${u.id}-${reload}`} userId={u.id} username={u.username} groups={groups} />
                  </td>
                ) : null}
                <td class="actions">
                  <button class="secondary outline small edit" onClick={() => setEditing(u)}>
                    {t('action.edit')}
                  </button>{' '}
                  {u.username !== claims?.username ? (
                    <button class="secondary outline small delete" onClick={() => void remove(u)}>
                      {t('action.delete')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {groups ? <GroupsAdmin groups={groups} onChange={() => setReload((n) => n + 1)} /> : null}
    </section>
  );
}
