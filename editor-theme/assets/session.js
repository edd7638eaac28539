/* dojot-red in the flow editor: who is signed in and in which tenant, sign out (of the editor and
 * the web console), a warning before the session expires, and signing in again over the editor,
 * so that nothing unsaved is lost (a deploy refused with 401 opens the same dialog). Plain
 * browser JavaScript, loaded by Node-RED as a theme script after the editor's own. */
(function () {
  'use strict';
  var EDITOR_TOKENS = 'auth-tokens-flows'; // Node-RED's key for the editor at /flows/
  var CONSOLE_TOKEN = 'dojot-red.token';
  var pt = (localStorage.getItem('dojot-red.lang') || navigator.language || '').toLowerCase().indexOf('pt') === 0;
  var T = pt
    ? {
        signout: 'Sair',
        console: 'Console',
        expiresIn: 'Sua sessão expira em {s} s.',
        renew: 'Entrar de novo',
        expired: 'Sua sessão expirou',
        keep: 'Entre de novo para continuar: o editor e o que não foi implantado ficam como estão.',
        password: 'Senha',
        wrong: 'Usuário ou senha incorretos.',
        failed: 'Não foi possível entrar: ',
      }
    : {
        signout: 'Sign out',
        console: 'Console',
        expiresIn: 'Your session expires in {s} s.',
        renew: 'Sign in again',
        expired: 'Your session has expired',
        keep: 'Sign in again to go on: the editor and what you have not deployed stay as they are.',
        password: 'Password',
        wrong: 'Wrong username or password.',
        failed: 'Could not sign in: ',
      };

  function token() {
    try {
      var t = JSON.parse(localStorage.getItem(EDITOR_TOKENS) || 'null');
      return t && t.access_token ? t.access_token : null;
    } catch (e) {
      return null;
    }
  }
  function claims(t) {
    try {
      var c = JSON.parse(decodeURIComponent(escape(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))));
      return {
        username: String(c.username),
        tenant: String(c.service),
        iat: Number(c.iat) * 1000,
        exp: Number(c.exp) * 1000,
      };
    } catch (e) {
      return null;
    }
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  function signOut() {
    localStorage.removeItem(EDITOR_TOKENS);
    localStorage.removeItem(CONSOLE_TOKEN);
    fetch('/flows/signout', { method: 'POST' }).then(
      function () {
        location.assign('/');
      },
      function () {
        location.assign('/');
      },
    );
  }

  var dialog = null;
  function openDialog(expired) {
    var c = claims(token() || '');
    if (!c || dialog) return;
    dialog = el('div', { id: 'dojot-reauth', role: 'dialog' });
    var box = el('form', { class: 'dojot-reauth-box' });
    box.appendChild(el('h3', {}, expired ? T.expired : T.renew));
    box.appendChild(el('p', {}, T.keep));
    box.appendChild(el('label', { for: 'dojot-reauth-passwd' }, T.password + ' (' + c.username + ')'));
    var pw = el('input', {
      id: 'dojot-reauth-passwd',
      type: 'password',
      autocomplete: 'current-password',
      required: 'required',
    });
    box.appendChild(pw);
    var err = el('div', { id: 'dojot-reauth-error', role: 'alert' });
    box.appendChild(err);
    var ok = el('button', { type: 'submit', id: 'dojot-reauth-submit', class: 'red-ui-button primary' }, T.renew);
    var out = el('button', { type: 'button', class: 'red-ui-button' }, T.signout);
    out.onclick = signOut;
    box.appendChild(ok);
    box.appendChild(out);
    box.onsubmit = function (e) {
      e.preventDefault();
      err.textContent = '';
      fetch('/auth', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: c.username, passwd: pw.value }),
      })
        .then(function (res) {
          return res.json().then(function (body) {
            return { status: res.status, body: body };
          });
        })
        .then(function (r) {
          if (r.status === 401 || r.status === 403) return void (err.textContent = T.wrong);
          if (!r.body || !r.body.jwt)
            return void (err.textContent = T.failed + (r.body && (r.body.error || r.body.message)));
          var next = claims(r.body.jwt);
          // Another user's token would carry this editor's work into another tenant.
          if (!next || next.username !== c.username || next.tenant !== c.tenant) return signOut();
          localStorage.setItem(EDITOR_TOKENS, JSON.stringify({ access_token: r.body.jwt }));
          localStorage.setItem(CONSOLE_TOKEN, r.body.jwt);
          // The cookie the editor's assets and websocket ride on, renewed by the platform.
          return fetch('/flows/settings?access_token=' + encodeURIComponent(r.body.jwt), {
            headers: { accept: 'application/json' },
          }).then(function () {
            dialog.remove();
            dialog = null;
            render();
          });
        })
        .catch(function (e2) {
          err.textContent = T.failed + e2;
        });
    };
    dialog.appendChild(box);
    document.body.appendChild(dialog);
    pw.focus();
  }

  var menu = null;
  var warning = null;
  function render() {
    var t = token();
    var c = t && claims(t);
    var toolbar = document.querySelector('#red-ui-header .red-ui-header-toolbar');
    if (toolbar && c && !menu) {
      menu = el('li', { id: 'dojot-user-menu' });
      var who = el('span', { class: 'dojot-who' });
      who.appendChild(el('span', { class: 'dojot-user' }, c.username));
      who.appendChild(document.createTextNode(' · '));
      who.appendChild(el('b', { class: 'dojot-tenant' }, c.tenant));
      var link = el(
        'a',
        { href: '/', target: '_blank', rel: 'noopener', class: 'red-ui-header-button', id: 'dojot-console' },
        T.console,
      );
      var out = el('a', { href: '#', class: 'red-ui-header-button', id: 'dojot-signout' }, T.signout);
      out.onclick = function (e) {
        e.preventDefault();
        signOut();
      };
      menu.appendChild(who);
      menu.appendChild(link);
      menu.appendChild(out);
      toolbar.insertBefore(menu, toolbar.firstChild);
    }
    if (!c) return;
    var left = c.exp - Date.now();
    var warnMs = Math.min(120000, Math.max(5000, (c.exp - c.iat) / 4));
    if (left <= 0 && !dialog) openDialog(true);
    if (left > 0 && left <= warnMs && !dialog) {
      if (!warning) {
        warning = el('div', { id: 'dojot-session-warning', role: 'status' });
        warning.appendChild(el('span'));
        var again = el('button', { class: 'red-ui-button' }, T.renew);
        again.onclick = function () {
          openDialog(false);
        };
        warning.appendChild(again);
        document.body.appendChild(warning);
      }
      warning.firstChild.textContent = T.expiresIn.replace('{s}', String(Math.ceil(left / 1000)));
    } else if (warning) {
      warning.remove();
      warning = null;
    }
  }

  // A request the platform refused for the token (a deploy after expiry): sign in again here.
  if (window.jQuery) {
    window.jQuery(document).ajaxError(function (_e, xhr) {
      if (xhr && xhr.status === 401 && token()) openDialog(true);
    });
  }
  setInterval(render, 1000);
  document.addEventListener('DOMContentLoaded', render);
})();
