// The console's frame: header (who is signed in, in which tenant; language; sign out), the
// session guard, and the page the hash names.
import { useEffect, useState } from 'preact/hooks';
import { getLang, LANGS, setLang, t, type Lang } from './i18n';
import { href, useRoute } from './router';
import { currentClaims, currentToken, setToken, signOut, subscribe, type Claims } from './session';
import { SessionGuard } from './components/SessionGuard';
import { SignInForm } from './components/SignInForm';
import { TemplatesPage } from './pages/Templates';
import { TemplateEditPage } from './pages/TemplateEdit';
import { DevicesPage } from './pages/Devices';
import { DeviceEditPage } from './pages/DeviceEdit';
import { DevicePage } from './pages/Device';
import { AccountPage } from './pages/Account';
import { NotificationsPage } from './pages/Notifications';
import { FlowsPage } from './pages/Flows';
import { UsersPage } from './pages/Users';
import { TrustedCasPage } from './pages/TrustedCas';
import { useNotifications } from './notifications';

function useSession() {
  const [, setN] = useState(0);
  useEffect(() => subscribe(() => setN((n) => n + 1)), []);
  return currentClaims();
}

function LangPicker(props: { onChange: (l: Lang) => void }) {
  return (
    <select
      id="lang"
      aria-label={t('nav.language')}
      value={getLang()}
      onChange={(e) => props.onChange(e.currentTarget.value as Lang)}
    >
      {LANGS.map((l) => (
        <option value={l.code}>{l.name}</option>
      ))}
    </select>
  );
}

function Page(props: { parts: string[]; notices: ReturnType<typeof useNotifications> }) {
  const [section, id, sub] = props.parts;
  switch (section) {
    case 'notifications':
      return (
        <NotificationsPage list={props.notices.list} live={props.notices.live} markRead={props.notices.markRead} />
      );
    case 'templates':
      return id ? <TemplateEditPage id={id === 'new' ? null : id} /> : <TemplatesPage />;
    case 'devices':
      if (!id) return <DevicesPage />;
      if (id === 'new') return <DeviceEditPage id={null} />;
      return sub === 'edit' ? <DeviceEditPage id={id} /> : <DevicePage id={id} />;
    case 'account':
      return <AccountPage />;
    case 'flows':
      return <FlowsPage />;
    case 'users':
      return <UsersPage />;
    case 'certificates':
      return <TrustedCasPage />;
    default:
      return <DevicesPage />;
  }
}

export function App() {
  const [, setLangState] = useState(getLang());
  const changeLang = (l: Lang) => {
    setLang(l);
    setLangState(l);
  };
  const claims = useSession();
  const route = useRoute();
  const section = route.parts[0] ?? 'devices';

  if (!claims) {
    return (
      <main class="signin-page">
        <article class="signin-card">
          <header class="signin-head">
            <img src="/favicon.svg" alt="" width="40" height="40" />
            <h1>{t('app.title')}</h1>
            <LangPicker onChange={changeLang} />
          </header>
          <SignInForm onToken={setToken} />
        </article>
      </main>
    );
  }

  return <Shell claims={claims} section={section} parts={route.parts} changeLang={changeLang} />;
}

/** The signed-in frame; mounted only with a session, so the live notifications follow it. */
function Shell(props: { claims: Claims; section: string; parts: string[]; changeLang: (l: Lang) => void }) {
  const { claims, section, changeLang } = props;
  const notices = useNotifications(claims.tenant);
  return (
    <>
      <header class="topbar">
        <nav class="container-fluid">
          <ul>
            <li>
              <a href={href('devices')} class="brand">
                <img src="/favicon.svg" alt="" width="28" height="28" /> <strong>{t('app.title')}</strong>
              </a>
            </li>
            <li>
              <a href={href('devices')} aria-current={section === 'devices' ? 'page' : undefined}>
                {t('nav.devices')}
              </a>
            </li>
            <li>
              <a href={href('templates')} aria-current={section === 'templates' ? 'page' : undefined}>
                {t('nav.templates')}
              </a>
            </li>
            <li>
              <a href={href('flows')} aria-current={section === 'flows' ? 'page' : undefined}>
                {t('nav.flows')}
              </a>
            </li>
            {claims.profile === 'admin' ? (
              <li>
                <a href={href('certificates')} aria-current={section === 'certificates' ? 'page' : undefined}>
                  {t('nav.certificates')}
                </a>
              </li>
            ) : null}
            {claims.profile === 'admin' ? (
              <li>
                <a href={href('users')} aria-current={section === 'users' ? 'page' : undefined}>
                  {t('nav.users')}
                </a>
              </li>
            ) : null}
            <li>
              <a
                id="open-editor"
                href={`/flows/?access_token=${encodeURIComponent(currentToken() ?? '')}`}
                target="_blank"
                rel="noopener"
              >
                {t('nav.editor')} ↗
              </a>
            </li>
          </ul>
          <ul>
            <li>
              <a
                href={href('notifications')}
                id="bell"
                class="bell"
                data-live={notices.live ? 'true' : 'false'}
                title={t('nav.notifications')}
                aria-label={t('nav.notifications')}
              >
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                  <path
                    fill="currentColor"
                    d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
                  />
                </svg>
                {notices.unread ? (
                  <span class="badge" id="bell-count">
                    {notices.unread}
                  </span>
                ) : null}
              </a>
            </li>
            <li>
              <LangPicker onChange={changeLang} />
            </li>
            <li>
              <a href={href('account')} id="whoami" title={t('nav.account')}>
                <span class="user">{claims.username}</span> · <span class="tenant">{claims.tenant}</span>
              </a>
            </li>
            <li>
              <button id="signout" class="secondary outline" onClick={() => void signOut()}>
                {t('nav.signout')}
              </button>
            </li>
          </ul>
        </nav>
      </header>
      <SessionGuard />
      <main class="container">
        <Page parts={props.parts} notices={notices} />
      </main>
    </>
  );
}
