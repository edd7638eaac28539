// The sign-in form, used on the sign-in page and in the dialog that renews an expired session.
import { useState } from 'preact/hooks';
import { ApiError, signIn } from '../api';
import { t } from '../i18n';

/** One message for an unknown user and a wrong password: it must not tell which one it was. */
export function signInMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401 || err.status === 403) return t('signin.wrong');
    if (err.status === 429) return t('signin.tooMany');
    return err.message;
  }
  return t('signin.unreachable');
}

export function SignInForm(props: {
  username?: string;
  fixedUser?: boolean;
  onToken: (token: string) => void;
  submitLabel?: string;
}) {
  const [username, setUsername] = useState(props.username ?? '');
  const [passwd, setPasswd] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onToken(await signIn(username, passwd));
    } catch (err) {
      setError(signInMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} class="signin-form">
      <label>
        {t('signin.username')}
        <input
          name="username"
          autocomplete="username"
          required
          readOnly={props.fixedUser}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        {t('signin.password')}
        <input
          name="passwd"
          type="password"
          autocomplete="current-password"
          required
          value={passwd}
          onInput={(e) => setPasswd(e.currentTarget.value)}
        />
      </label>
      {error ? (
        <p class="form-error" role="alert" id="signin-error">
          {error}
        </p>
      ) : null}
      <button type="submit" aria-busy={busy} disabled={busy}>
        {props.submitLabel ?? t('signin.submit')}
      </button>
    </form>
  );
}
