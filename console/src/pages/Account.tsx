// The signed-in user's own account: who and which tenant, and changing the password.
import { useState } from 'preact/hooks';
import { api, ApiError, signIn } from '../api';
import { t } from '../i18n';
import { currentClaims, setToken } from '../session';
import { Field, FormError } from '../components/Field';

export function AccountPage() {
  const claims = currentClaims();
  const [oldpasswd, setOld] = useState('');
  const [newpasswd, setNew] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);

  const fieldError = (name: string) => (error?.field === name ? error.message : null);
  const save = async (e: Event) => {
    e.preventDefault();
    setDone(false);
    setError(null);
    if (newpasswd !== confirm) return setError(new ApiError(0, t('account.mismatch'), 'confirm', null));
    try {
      await api('POST', '/auth/password/update', { oldpasswd, newpasswd });
      // A new password ends every token issued before it, this one too: sign in again with it, so
      // the console (and the editor, which shares the token) go on without asking.
      if (claims?.username) setToken(await signIn(claims.username, newpasswd));
      setOld('');
      setNew('');
      setConfirm('');
      setDone(true);
    } catch (err) {
      // A wrong current password comes back as 403 (dojot's auth), without a field.
      if (err instanceof ApiError && err.status === 403)
        setError(new ApiError(403, t('account.wrongOld'), 'oldpasswd', null));
      else setError(err instanceof ApiError ? err : new ApiError(0, (err as Error).message, null, null));
    }
  };
  return (
    <section>
      <h2>{t('nav.account')}</h2>
      <dl class="who">
        <dt>{t('signin.username')}</dt>
        <dd id="account-user">{claims?.username}</dd>
        <dt>{t('account.tenant')}</dt>
        <dd id="account-tenant">{claims?.tenant}</dd>
        <dt>{t('account.profile')}</dt>
        <dd>{claims?.profile}</dd>
      </dl>
      <h3>{t('account.changePassword')}</h3>
      <form id="password-form" onSubmit={save} noValidate>
        <Field label={t('account.oldPassword')} name="oldpasswd" error={fieldError('oldpasswd')}>
          <input
            name="oldpasswd"
            type="password"
            autocomplete="current-password"
            value={oldpasswd}
            onInput={(e) => setOld(e.currentTarget.value)}
          />
        </Field>
        <Field label={t('account.newPassword')} name="newpasswd" error={fieldError('newpasswd')}>
          <input
            name="newpasswd"
            type="password"
            autocomplete="new-password"
            value={newpasswd}
            onInput={(e) => setNew(e.currentTarget.value)}
          />
        </Field>
        <Field label={t('account.confirmPassword')} name="confirm" error={fieldError('confirm')}>
          <input
            name="confirm"
            type="password"
            autocomplete="new-password"
            value={confirm}
            onInput={(e) => setConfirm(e.currentTarget.value)}
          />
        </Field>
        <FormError
          error={error && !['oldpasswd', 'newpasswd', 'confirm'].includes(error.field ?? '') ? error.message : null}
        />
        {done ? (
          <p class="ok" role="status" id="password-changed">
            {t('account.changed')}
          </p>
        ) : null}
        <button type="submit" id="save">
          {t('account.changePassword')}
        </button>
      </form>
    </section>
  );
}
