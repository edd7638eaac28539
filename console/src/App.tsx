// The console's frame: header (who is signed in, in which tenant; language; sign out), the
// session guard, and the page the hash names.
import { useEffect, useState } from 'preact/hooks';
import { getLang, LANGS, setLang, t, type Lang } from './i18n';
import { href, useRoute } from './router';
import { currentClaims, currentToken, setToken, signOut, subscribe } from './session';
import { SessionGuard } from './components/SessionGuard';
import { SignInForm } from './components/SignInForm';
import { TemplatesPage } from './pages/Templates';
import { TemplateEditPage } from './pages/TemplateEdit';
import { DevicesPage } from './pages/Devices';
import { DeviceEditPage } from './pages/DeviceEdit';
import { DevicePage } from './pages/Device';
import { AccountPage } from './pages/Account';

function useSession() {
  const [, setN] = useState(0);
  useEffect(() => subscribe(() => setN((n) => n + 1)), []);
  return currentClaims();
}

function LangPicker(props: { onChange: (l: Lang) => void }) {
  return (
    <select id="lang" aria-label={t('nav.language')} value={getLang()} onChange={(e) => props.onChange(e.currentTarget.value as Lang)}>
      {LANGS.map((l) => (
        <option value={l.code}>{l.name}</option>
      ))}
    </select>
  );
}

function Page(props: { parts: string[] }) {
  const [section, id, sub] = props.parts;
  switch (section) {
    case 'templates':
      return id ? <TemplateEditPage id={id === 'new' ? null : id} /> : <TemplatesPage />;
    case 'devices':
      if (!id) return <DevicesPage />;
      if (id === 'new') return <DeviceEditPage id={null} />;
      return sub === 'edit' ? <DeviceEditPage id={id} /> : <DevicePage id={id} />;
    case 'account':
      return <AccountPage />;
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
              <a id="open-editor" href={`/flows/?access_token=${encodeURIComponent(currentToken() ?? '')}`} target="_blank" rel="noopener">
                {t('nav.flows')}
              </a>
            </li>
          </ul>
          <ul>
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
        <Page parts={route.parts} />
      </main>
    </>
  );
}
