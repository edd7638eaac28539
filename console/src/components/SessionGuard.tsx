// Before the token expires: a warning with the time left and a way to sign in again. Once it has
// expired (or a request was refused), a dialog over the page: signing in again there keeps the
// page, its unsaved input, and the request that was refused, which then goes out again.
import { useEffect, useState } from 'preact/hooks';
import { t } from '../i18n';
import { currentClaims, decodeClaims, isReauthOpen, openReauth, setToken, signOut } from '../session';
import { SignInForm } from './SignInForm';

/** How long before expiry the warning shows: two minutes, or a quarter of a short session. */
export function warnBeforeMs(issuedMs: number, expMs: number): number {
  return Math.min(120_000, Math.max(5_000, (expMs - issuedMs) / 4));
}

export function SessionGuard() {
  // The tick only re-renders; the time is read at render, so a new token counts at once.
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, []);
  const now = Date.now();
  const claims = currentClaims();
  const left = claims ? claims.exp - now : Infinity;
  const reauth = isReauthOpen();
  const expired = left <= 0;
  useEffect(() => {
    if (expired && !reauth) openReauth();
  }, [expired, reauth]);
  if (!claims) return null;
  const warn = !expired && left <= warnBeforeMs(claims.iat, claims.exp);
  return (
    <>
      {warn && !reauth ? (
        <div class="session-warning" role="status" id="session-warning">
          <span>{t('session.expiresIn', { s: Math.ceil(left / 1000) })}</span>
          <button class="contrast" onClick={() => openReauth()}>
            {t('session.renew')}
          </button>
        </div>
      ) : null}
      {reauth ? (
        <dialog open id="reauth-dialog">
          <article>
            <header>
              <strong>{expired ? t('session.expired') : t('session.renewTitle')}</strong>
            </header>
            <p>{t('session.keepWork')}</p>
            <SignInForm
              username={claims.username}
              fixedUser
              submitLabel={t('session.renew')}
              onToken={(token) => {
                const next = decodeClaims(token);
                // Another user's token would carry this page's work into another tenant: refuse it.
                if (!next || next.username !== claims.username || next.tenant !== claims.tenant) return void signOut();
                setToken(token);
              }}
            />
            <footer>
              <button class="secondary outline" onClick={() => void signOut()}>
                {t('nav.signout')}
              </button>
            </footer>
          </article>
        </dialog>
      ) : null}
    </>
  );
}
