// The one sign-in of the flow editor: the platform's POST /auth, then the editor opens with the
// token (`?access_token=`), which the editor keeps and the gateway turns into an HttpOnly cookie.
// The web console signs in with the same token, kept under the same localStorage key, and the
// page speaks the language chosen in the console (English or Brazilian Portuguese, kept under
// "dojot-red.lang"; the browser's language before any choice), switchable here too.
export const SIGN_IN_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dojot-red · sign in</title>
<style>
  body { font-family: system-ui, sans-serif; background: #0c5b8a; display: flex; align-items: center; justify-content: center; height: 100vh; margin: 0; }
  form { background: #fff; padding: 2em 2.5em; border-radius: 8px; border-top: 5px solid #f4a300; min-width: 18em; }
  h1 { margin: 0 0 1em; font-size: 1.4em; color: #0c5b8a; }
  label { display: block; margin: 0.8em 0 0.3em; font-size: 0.9em; }
  input { width: 100%; box-sizing: border-box; padding: 0.5em; font-size: 1em; }
  button { margin-top: 1.4em; width: 100%; padding: 0.6em; background: #f4a300; border: 0; border-radius: 4px; font-size: 1em; cursor: pointer; }
  #error { color: #b00020; min-height: 1.2em; margin-top: 0.8em; font-size: 0.9em; }
  .head { display: flex; align-items: baseline; justify-content: space-between; gap: 1em; }
  #lang { width: auto; font-size: 0.85em; padding: 0.2em; }
</style>
</head>
<body>
<form id="signin">
  <div class="head"><h1 data-t="title">dojot-red flows</h1>
  <select id="lang" aria-label="Language"><option value="en">English</option><option value="pt-BR">Português (Brasil)</option></select></div>
  <label for="username" data-t="username">Username</label><input id="username" name="username" autocomplete="username" required>
  <label for="passwd" data-t="password">Password</label><input id="passwd" name="passwd" type="password" autocomplete="current-password" required>
  <button type="submit" id="submit" data-t="submit">Sign in</button>
  <div id="error" role="alert"></div>
</form>
<script>
  var WORDS = {
    en: {
      pageTitle: 'dojot-red · sign in', title: 'dojot-red flows', username: 'Username', password: 'Password',
      submit: 'Sign in', wrong: 'Wrong username or password.', tooMany: 'Too many failed attempts. Wait a minute and try again.',
      failed: 'Sign-in failed', language: 'Language'
    },
    'pt-BR': {
      pageTitle: 'dojot-red · entrar', title: 'Fluxos do dojot-red', username: 'Usuário', password: 'Senha',
      submit: 'Entrar', wrong: 'Usuário ou senha incorretos.', tooMany: 'Muitas tentativas sem sucesso. Espere um minuto e tente de novo.',
      failed: 'Não foi possível entrar', language: 'Idioma'
    }
  };
  function chosenLang() {
    var kept = localStorage.getItem('dojot-red.lang');
    if (kept === 'en' || kept === 'pt-BR') return kept;
    return (navigator.language || '').toLowerCase().indexOf('pt') === 0 ? 'pt-BR' : 'en';
  }
  var lang = chosenLang();
  function word(k) { return WORDS[lang][k]; }
  function translate() {
    document.documentElement.lang = lang;
    document.title = word('pageTitle');
    document.querySelectorAll('[data-t]').forEach(function (el) { el.textContent = word(el.getAttribute('data-t')); });
    var picker = document.getElementById('lang');
    picker.value = lang;
    picker.setAttribute('aria-label', word('language'));
  }
  translate();
  document.getElementById('lang').addEventListener('change', function (e) {
    lang = e.target.value === 'pt-BR' ? 'pt-BR' : 'en';
    // The same key as the console's: the choice holds there too.
    localStorage.setItem('dojot-red.lang', lang);
    document.getElementById('error').textContent = '';
    translate();
  });
  // Signed in already in the web console: open the editor with that token (once per tab, so a
  // token the platform refuses cannot bounce the browser back and forth).
  (function () {
    var kept = localStorage.getItem('dojot-red.token');
    if (!kept || sessionStorage.getItem('dojot-red.forwarded')) return;
    try {
      var claims = JSON.parse(atob(kept.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      if (!(claims.exp * 1000 > Date.now() + 5000)) return;
    } catch (e) { return; }
    sessionStorage.setItem('dojot-red.forwarded', '1');
    location.replace('/flows/?access_token=' + encodeURIComponent(kept));
  })();
  document.getElementById('signin').addEventListener('submit', async function (e) {
    e.preventDefault();
    var error = document.getElementById('error');
    error.textContent = '';
    try {
      var res = await fetch('/auth', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: document.getElementById('username').value, passwd: document.getElementById('passwd').value })
      });
      var body = await res.json();
      // One message for an unknown user and a wrong password: it must not tell which it was.
      if (res.status === 401 || res.status === 403) { error.textContent = word('wrong'); return; }
      if (res.status === 429) { error.textContent = word('tooMany'); return; }
      if (!res.ok || !body.jwt) { error.textContent = body.error || body.message || word('failed'); return; }
      // The web console (at /) reads the same token: signing in here signs in there too.
      localStorage.setItem('dojot-red.token', body.jwt);
      // Node-RED's editor stores an access_token given in the URL and then removes it from the address bar.
      location.assign('/flows/?access_token=' + encodeURIComponent(body.jwt));
    } catch (err) {
      error.textContent = word('failed') + ': ' + err;
    }
  });
</script>
</body>
</html>
`;
