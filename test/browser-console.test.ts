// The web console in a real headless Chromium through the platform's one port: the page at "/",
// one sign-in shared with the flow editor, templates and devices, a device's live values, history,
// CSV and actuation, the session running out without losing unsaved work, password and sign-out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { launchChromium } from './helpers/browser.js';
import { connectDevice, eventually } from './helpers/mqtt.js';

function rawStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Publishes until the page shows what it waits for: a live socket's bus subscription may still be
 * joining (a Kafka consumer group takes a while) when the socket reports open.
 */
async function publishUntilShown(page: Page, publish: () => Promise<unknown>, selector: string, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    await publish();
    const shown = await page.waitForSelector(selector, { timeout: 1500 }).then(
      () => true,
      () => false,
    );
    if (shown) return;
    if (Date.now() > end) throw new Error(`never shown: ${selector}`);
  }
}

describe('web console in the browser', function () {
  this.timeout(150_000);
  let p: TestPlatform;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let admin: string;
  /** The device the console created (used again by the certificate test). */
  let deviceId: string;
  const pageErrors: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    p = await startTestPlatform();
    admin = await p.login();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', acceptDownloads: true });
    page = await ctx.newPage();
    // Deleting, restoring and importing ask first: the tests say yes.
    ctx.on('page', (pg) => pg.on('dialog', (d) => void d.accept()));
    page.on('dialog', (d) => void d.accept());
    // Any script error in any page (console or editor) fails the last test.
    const watch = (pg: Page) => pg.on('pageerror', (e) => pageErrors.push(`${pg.url()}: ${e.message}`));
    ctx.on('page', watch);
    watch(page);
  });
  after(async () => {
    await browser?.close();
    await p?.close();
  });

  it('serves the console to a browser at "/" while a REST client there still gets JSON', async () => {
    const html = await fetch(`${p.httpUrl}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    const text = await html.text();
    const script = /<script type="module" crossorigin src="(\/console\/assets\/[^"]+\.js)"/.exec(text);
    assert.ok(script, text);
    const js = await fetch(p.httpUrl + script[1], { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);

    const rest = await fetch(`${p.httpUrl}/`);
    assert.equal(rest.status, 401);
    assert.equal(((await rest.json()) as { code: string }).code, 'AUTH_TOKEN_MISSING');
    const withToken = await fetch(`${p.httpUrl}/`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(withToken.status, 404);
    assert.match(withToken.headers.get('content-type') ?? '', /json/);
    // Only the built files are served: no path reaches outside them (sent as is, not normalised).
    for (const bad of [
      '/console/../package.json',
      '/console/../../package.json',
      '/console/%2e%2e/package.json',
      '/console/..%2fpackage.json',
      '/console/assets/',
      '/console/.vite/manifest.json',
      '/console/index.html.map',
    ]) {
      assert.equal(await rawStatus(p.httpPort, bad), 404, bad);
    }
    assert.equal((await fetch(`${p.httpUrl}/favicon.ico`)).status, 200);

    // The editor's help link: the flows guide as a page for a browser, markdown for other clients.
    const guide = await page.goto(`${p.httpUrl}/flows/help`);
    assert.match(guide!.headers()['content-type'], /^text\/html/);
    assert.match((await page.textContent('h1')) ?? '', /Flows/);
    assert.ok((await page.locator('main table').count()) > 0);
    const markdown = await fetch(`${p.httpUrl}/flows/help`);
    assert.match(markdown.headers.get('content-type') ?? '', /^text\/markdown/);
    assert.match(await markdown.text(), /^# Flows/);
  });

  it('gives one message for an unknown user and a wrong password, then shows who is signed in and in which tenant', async () => {
    await page.goto(`${p.httpUrl}/`);
    for (const [username, passwd] of [
      ['nobody', 'x'],
      ['admin', 'wrong'],
    ]) {
      await page.fill('input[name=username]', username);
      await page.fill('input[name=passwd]', passwd);
      await page.click('button[type=submit]');
      await page.waitForSelector('#signin-error');
      assert.equal(await page.textContent('#signin-error'), 'Wrong username or password.');
    }
    await page.fill('input[name=passwd]', 'admin');
    await page.click('button[type=submit]');
    await page.waitForSelector('#whoami');
    assert.equal((await page.textContent('#whoami'))?.replace(/\s+/g, ' ').trim(), 'admin · admin');
  });

  it('switches between English and Brazilian Portuguese and keeps the choice', async () => {
    await page.selectOption('#lang', 'pt-BR');
    await page.waitForSelector('text=Dispositivos');
    assert.equal(await page.textContent('#signout'), 'Sair');
    await page.reload();
    await page.waitForSelector('#signout:has-text("Sair")');
    await page.selectOption('#lang', 'en');
    await page.waitForSelector('#signout:has-text("Sign out")');
  });

  it("creates a template with attributes of every type, showing the API's message beside a bad field and keeping what was typed", async () => {
    await page.goto(`${p.httpUrl}/#/templates`);
    await page.click('#new-template');
    await page.fill('input[name=label]', 'Thermostat');
    const rows: [string, string, string, string][] = [
      ['temperature', 'dynamic', 'float', ''],
      ['serial', 'static', 'string', 'SN-1'],
      ['heater', 'actuator', 'bool', ''],
      ['firmware', 'meta', 'string', '1.0'],
      ['bad label!', 'dynamic', 'integer', ''],
    ];
    for (const [i, [label, type, valueType, staticValue]] of rows.entries()) {
      await page.click('#add-attr');
      await page.fill(`input[name="attrs[${i}].label"]`, label);
      await page.selectOption(`select[name="attrs[${i}].type"]`, type);
      await page.selectOption(`select[name="attrs[${i}].value_type"]`, valueType);
      if (staticValue) await page.fill(`input[name="attrs[${i}].static_value"]`, staticValue);
    }
    await page.click('#save');
    const error = page.locator('[data-error-for="attrs[4].label"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /^attrs\[4\]\.label: /);
    // Nothing typed was lost.
    assert.equal(await page.inputValue('input[name=label]'), 'Thermostat');
    assert.equal(await page.inputValue('input[name="attrs[1].static_value"]'), 'SN-1');
    await page.fill('input[name="attrs[4].label"]', 'setpoint');
    await page.selectOption('select[name="attrs[4].type"]', 'actuator');
    await page.click('#save');
    await page.waitForSelector('#templates tr[data-template="Thermostat"]');
    const list = (await p.api(admin, 'GET', '/template?label=Thermostat')).body.templates as {
      attrs: { label: string; type: string; value_type: string; static_value?: string }[];
    }[];
    assert.deepEqual(
      list[0].attrs.map((a) => [a.label, a.type, a.value_type, a.static_value ?? '']).sort(),
      [...rows.slice(0, 4), ['setpoint', 'actuator', 'integer', '']].sort(),
    );
  });

  it('searches and pages the template list', async () => {
    for (let i = 0; i < 11; i++)
      assert.equal(
        (await p.api(admin, 'POST', '/template', { label: `bulk-${String(i).padStart(2, '0')}`, attrs: [] })).status,
        200,
      );
    await page.goto(`${p.httpUrl}/#/templates`);
    await page.fill('#template-search', 'bulk');
    await page.waitForSelector('.pager-text:has-text("Page 1 of 2")');
    assert.equal(await page.locator('#templates tbody tr').count(), 10);
    await page.click('.pager button:has-text("Next")');
    await page.waitForSelector('.pager-text:has-text("Page 2 of 2")');
    assert.deepEqual(
      await page.locator('#templates tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-template'))),
      ['bulk-10'],
    );
    await page.click('#templates tr[data-template="bulk-10"] button.delete');
    await page.waitForSelector('.pager-text', { state: 'detached' });
    assert.equal((await p.api(admin, 'GET', '/template?label=bulk-10')).body.templates.length, 0);
  });

  it('creates a device whose page shows live values from MQTT, history as chart and table, CSV, actuation and its MQTT topics', async () => {
    await page.goto(`${p.httpUrl}/#/devices`);
    await page.click('#new-device');
    await page.click('#save');
    await page.waitForSelector('[data-error-for="label"]');
    await page.fill('input[name=label]', 'Living room');
    await page.check('label.template-choice:has-text("Thermostat") input');
    await page.click('#save');
    await page.waitForSelector('#device-id');
    const id = (await page.textContent('#device-id'))!.trim();
    assert.match(id, /^[0-9a-f]{5,6}$/);
    deviceId = id;
    await page.waitForSelector('#live-state:has-text("live")');
    assert.equal(await page.textContent('#latest tr[data-attr="serial"] .value'), 'SN-1');

    const device = await connectDevice(p.mqttPort!, `admin:${id}`);
    const actuations: string[] = [];
    device.on('message', (_topic, payload) => actuations.push(payload.toString()));
    await device.subscribeAsync(`admin:${id}/config`, { qos: 1 });
    try {
      for (const temperature of [20.5, 21])
        await device.publishAsync(`admin:${id}/attrs`, JSON.stringify({ temperature }), { qos: 1 });
      await publishUntilShown(
        page,
        () => device.publishAsync(`admin:${id}/attrs`, JSON.stringify({ temperature: 21.5 }), { qos: 1 }),
        '#latest tr[data-attr="temperature"] .value:text-is("21.5")',
      );
      await page.waitForFunction(() => document.querySelectorAll('#history-table tbody tr').length >= 3);
      // Reload the range from the history API: the chart draws the stored readings.
      await page.selectOption('#history-range', '1h');
      await page.waitForSelector('#history-chart canvas');

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
      assert.equal(download.suggestedFilename(), `${id}-history.csv`);
      const csv = readFileSync((await download.path())!, 'utf8');
      assert.match(csv, /^device_id,attr,ts,value,metadata/);
      assert.ok(csv.trim().split('\n').length >= 4, csv);

      // A value that is not of the actuator's type is refused beside the field, before any request.
      await page.fill('#actuate-form input[name=setpoint]', 'warm');
      await page.click('#actuate');
      await page.waitForSelector('[data-error-for="setpoint"]');
      await page.fill('#actuate-form input[name=setpoint]', '23');
      await page.selectOption('#actuate-form select[name=heater]', 'true');
      await page.click('#actuate');
      await page.waitForSelector('#actuate-sent');
      const deadline = Date.now() + 10_000;
      while (!actuations.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(actuations.length, 1);
      assert.deepEqual(JSON.parse(actuations[0]).attrs ?? JSON.parse(actuations[0]), { setpoint: 23, heater: true });
    } finally {
      await device.endAsync();
    }
    const line = await page.textContent('#mosquitto-pub');
    assert.ok(line?.includes(`-u 'admin:${id}' -t 'admin:${id}/attrs' -m '{"temperature":21.5`), line ?? '');
  });

  it('makes a device key and request in the browser, without sending the key, and the downloaded files connect over MQTTS until revoked', async () => {
    const sent: string[] = [];
    page.on('request', (r) => sent.push(`${r.url()} ${r.postData() ?? ''}`));
    await page.goto(`${p.httpUrl}/#/devices/${deviceId}`);
    await page.click('#new-certificate');
    await page.waitForSelector('#bundle');
    const files: Record<string, string> = {};
    for (const [button, name] of [
      ['#download-ca-pem', 'ca.pem'],
      ['#download-cert-pem', 'cert.pem'],
      ['#download-private-key', 'private.key'],
    ]) {
      const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
      assert.equal(file.suggestedFilename(), name);
      files[name] = readFileSync((await file.path())!, 'utf8');
    }
    page.removeAllListeners('request');
    const keyBody = files['private.key'].split('\n').slice(1, -2).join('');
    assert.ok(keyBody.length > 40);
    for (const line of sent)
      assert.ok(
        !line.includes('PRIVATE KEY') && !line.includes(keyBody.slice(0, 40)),
        `sent the key: ${line.slice(0, 200)}`,
      );
    assert.ok(sent.some((l) => l.includes('CERTIFICATE REQUEST')));

    const cert = new X509Certificate(files['cert.pem']);
    assert.ok(cert.checkPrivateKey(createPrivateKey(files['private.key'])));
    assert.ok(cert.verify(new X509Certificate(files['ca.pem']).publicKey));
    assert.match(cert.subject, new RegExp(`CN=admin:${deviceId}`));
    const fingerprint = await page.locator('#certificate-list .fingerprint').first().textContent();

    const connectTls = () =>
      new Promise<MqttClient>((resolve, reject) => {
        const c = mqtt.connect({
          protocol: 'mqtts',
          host: 'localhost',
          port: p.mqttsPort!,
          protocolVersion: 4,
          reconnectPeriod: 0,
          connectTimeout: 5000,
          key: files['private.key'],
          cert: files['cert.pem'],
          ca: files['ca.pem'],
        });
        c.once('connect', () => resolve(c));
        c.once('error', (err) => {
          c.end(true);
          reject(err);
        });
        c.once('close', () => reject(new Error('connection closed before CONNACK')));
      });
    const device = await connectTls();
    const closed = new Promise<void>((r) => device.once('close', () => r()));
    // Revoking disconnects the device, and it cannot connect again.
    await page.click(`#certificate-list tr[data-fingerprint="${fingerprint}"] button.revoke`);
    await page.waitForSelector(`#certificate-list tr[data-fingerprint="${fingerprint}"]`, { state: 'detached' });
    await closed;
    await assert.rejects(connectTls());
    const [crl] = await Promise.all([page.waitForEvent('download'), page.click('#download-crl')]);
    assert.match(readFileSync((await crl.path())!, 'utf8'), /-----BEGIN X509 CRL-----/);
  });

  it('rings the bell for a notification that arrives live, and lists it with the ones kept before', async () => {
    const notice = (msgID: string, message: string) => ({
      msgID,
      timestamp: Date.now(),
      message,
      metaAttrsFilter: { shouldPersist: true, room: 'kitchen' },
      subject: 'user_notification',
    });
    await p.bus.publish('admin.dojot.notifications', null, notice('kept-1', 'Smoke in the kitchen'));
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !(await p.api(admin, 'GET', '/history/notifications/history')).body.notifications?.length
    )
      await new Promise((r) => setTimeout(r, 100));
    await page.goto(`${p.httpUrl}/#/devices`);
    await page.reload();
    await page.waitForSelector('#bell');
    assert.equal(await page.locator('#bell-count').count(), 0);
    // The bell's websocket is open (kafka-ws subscribes before it accepts the upgrade).
    await page.waitForSelector('#bell[data-live="true"]');
    await publishUntilShown(
      page,
      () => p.bus.publish('admin.dojot.notifications', null, notice('live-1', 'Door left open')),
      '#bell-count:text-is("1")',
    );
    await page.click('#bell');
    await page.waitForSelector('#notifications tr[data-msgid="live-1"]');
    assert.deepEqual(await page.locator('#notifications .message').allTextContents(), [
      'Door left open',
      'Smoke in the kitchen',
    ]);
    await page.waitForSelector('#bell-count', { state: 'detached' });
  });

  it("lists the flows, disables one, shows a revision's node-by-node changes and restores it, exports and imports, and shows the runtime", async () => {
    const created = await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'Alarm',
      flow: [{ id: 'c1', type: 'comment', name: 'first' }],
    });
    assert.equal(created.status, 200);
    const flowId = created.body.flow.id as string;
    const second = [
      { id: 'c1', type: 'comment', name: 'renamed' },
      { id: 'c2', type: 'comment', name: 'added' },
    ];
    assert.equal((await p.api(admin, 'PUT', `/flows/v1/flow/${flowId}`, { flow: second })).status, 200);
    await page.goto(`${p.httpUrl}/#/flows`);
    await page.waitForSelector('#flows tr[data-flow="Alarm"]');
    assert.equal(await page.isChecked('#flows tr[data-flow="Alarm"] input.enabled'), true);
    await page.click('#flows tr[data-flow="Alarm"] input.enabled');
    await page.waitForFunction(async (id) => {
      const token = localStorage.getItem('dojot-red.token');
      const r = await fetch(`/flows/v1/flow/${id}`, { headers: { authorization: `Bearer ${token}` } });
      return (await r.json()).flow.enabled === false;
    }, flowId);

    // The newest revisions: the disable (one tab changed), the PUT that renamed c1 and added c2, the
    // creation (tab and c1 added). Compared by what they changed, with the whole list on failure.
    type Listed = { id: number; summary: { added: number; removed: number; changed: number } };
    const counts = (r: Listed) => `+${r.summary.added} -${r.summary.removed} ~${r.summary.changed}`;
    const revisions = await eventually(
      async () => (await p.api(admin, 'GET', '/flows/v1/revisions')).body.revisions as Listed[],
      (list) => list.length >= 3,
    );
    assert.deepEqual(
      revisions.slice(0, 3).map(counts),
      ['+0 -0 ~1', '+1 -0 ~1', '+2 -0 ~0'],
      JSON.stringify(revisions),
    );
    const put = revisions[1].id;
    // The page has listed the newest revision too: no row moves under the click.
    await page.waitForSelector(`#revisions tr[data-revision="${revisions[0].id}"]`);
    await page.click(`#revisions tr[data-revision="${put}"] .show-changes`);
    const changes = page.locator(`.revision-changes[data-revision="${put}"]`);
    await changes.locator('li.added').waitFor();
    assert.deepEqual(await changes.locator('li').allTextContents(), [
      '+ comment “added” (c2)',
      '~ comment “renamed” (c1): name',
    ]);
    // Restoring the revision before the PUT brings back the one-node flow.
    const before = revisions[2].id;
    await page.click(`#revisions tr[data-revision="${before}"] .show-changes`);
    await page.click(`.revision-changes[data-revision="${before}"] .restore`);
    await page.waitForSelector('#flows-notice');
    await page.waitForSelector('#flows tr[data-flow="Alarm"] td:nth-child(2):text-is("1")');

    const [exported] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const config = JSON.parse(readFileSync((await exported.path())!, 'utf8'));
    assert.ok(
      Array.isArray(config.flows) && config.flows.some((f: { name: string }) => f.name === 'Alarm'),
      JSON.stringify(config).slice(0, 300),
    );
    // Importing replaces everything: the same file brings the same flows back.
    assert.equal((await p.api(admin, 'DELETE', '/flows/v1/flow')).status, 200);
    await page.setInputFiles('#import-file', {
      name: 'export.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(config)),
    });
    await page.waitForSelector('#flows-notice:has-text("Imported")');
    await page.waitForSelector('#flows tr[data-flow="Alarm"]');
    // The administrator sees the tenant's runtime.
    await page.waitForSelector('#runtime');
  });

  it("lets an administrator add a user to another tenant, with the API's message beside a bad field, and remove the user", async () => {
    await page.goto(`${p.httpUrl}/#/users`);
    await page.waitForSelector('#users tr[data-user="admin"]');
    await page.click('#new-user');
    for (const [k, v] of Object.entries({
      username: 'carol',
      name: 'Carol',
      email: 'carol@example.com',
      service: 'Beta Tenant',
      passwd: 'carolpw',
    }))
      await page.fill(`#user-form input[name=${k}]`, v);
    await page.click('#save-user');
    await page.waitForSelector('[data-error-for="service"]');
    assert.match((await page.textContent('[data-error-for="service"]')) ?? '', /^service: /);
    assert.equal(await page.inputValue('#user-form input[name=email]'), 'carol@example.com');
    await page.fill('#user-form input[name=service]', 'beta');
    await page.click('#save-user');
    await page.waitForSelector('#users tr[data-user="carol"]');

    // Carol signs in to her own tenant, as a user: no Users page for her.
    const carol = await ctx.browser()!.newContext({ viewport: { width: 1280, height: 900 } });
    const cpage = await carol.newPage();
    await cpage.goto(`${p.httpUrl}/`);
    await cpage.fill('input[name=username]', 'carol');
    await cpage.fill('input[name=passwd]', 'carolpw');
    await cpage.click('button[type=submit]');
    await cpage.waitForSelector('#whoami');
    assert.equal((await cpage.textContent('#whoami'))?.replace(/\s+/g, ' ').trim(), 'carol · beta');
    assert.equal(await cpage.locator('a[href="#/users"]').count(), 0);
    await carol.close();

    await page.click('#users tr[data-user="carol"] button.delete');
    await page.waitForSelector('#users tr[data-user="carol"]', { state: 'detached' });
  });

  it('warns before the session expires and, signed in again in place, saves what was typed before', async () => {
    const warned = await ctx.newPage();
    // The page's clock runs ahead; the platform's does not: the token is still valid there.
    await warned.clock.install();
    await warned.goto(`${p.httpUrl}/#/templates/new`);
    await warned.waitForSelector('input[name=label]');
    await warned.fill('input[name=label]', 'Typed before expiry');
    await warned.clock.fastForward(3600_000 - 60_000);
    await warned.waitForSelector('#session-warning');
    await warned.clock.fastForward(61_000);
    await warned.waitForSelector('#reauth-dialog');
    assert.equal(await warned.inputValue('#reauth-dialog input[name=username]'), 'admin');
    await warned.fill('#reauth-dialog input[name=passwd]', 'admin');
    // Back to the real time, or the new token would look expired to the page at once.
    await warned.clock.setSystemTime(new Date());
    await warned.click('#reauth-dialog button[type=submit]');
    await warned.waitForSelector('#reauth-dialog', { state: 'detached' });
    assert.equal(await warned.inputValue('input[name=label]'), 'Typed before expiry');
    await warned.close();

    // A token the platform refuses (here, another tab stored a forged one): the save waits for
    // signing in again, then goes out with what was typed.
    await page.goto(`${p.httpUrl}/#/templates/new`);
    await page.fill('input[name=label]', 'Saved after signing in again');
    const other = await ctx.newPage();
    await other.goto(`${p.httpUrl}/#/account`);
    const stored = await other.evaluate(() => localStorage.getItem('dojot-red.token')!);
    await other.evaluate((t) => localStorage.setItem('dojot-red.token', t), stored.slice(0, -4) + 'AAAA');
    await other.close();
    // Enter submits whether or not a background request (the bell's socket) already opened the dialog.
    await page.press('input[name=label]', 'Enter');
    await page.waitForSelector('#reauth-dialog');
    await page.fill('#reauth-dialog input[name=passwd]', 'admin');
    await page.click('#reauth-dialog button[type=submit]');
    await page.waitForSelector('#templates tr[data-template="Saved after signing in again"]');
  });

  it('goes on without asking when another tab (the editor) signs in again while it waits for a sign-in', async () => {
    await page.goto(`${p.httpUrl}/#/templates`);
    await page.waitForSelector('#reauth-dialog', { state: 'detached' });
    const other = await ctx.newPage();
    await other.goto(`${p.httpUrl}/#/account`);
    const good = await other.evaluate(() => localStorage.getItem('dojot-red.token')!);
    await other.evaluate((t) => localStorage.setItem('dojot-red.token', t), good.slice(0, -4) + 'AAAA');
    // The device list's request is refused with the forged token: the page asks for a sign-in.
    await page.goto(`${p.httpUrl}/#/devices`);
    await page.waitForSelector('#reauth-dialog');
    const fresh = (await p.api(null, 'POST', '/auth', { username: 'admin', passwd: 'admin' })).body.jwt as string;
    await other.evaluate((t) => localStorage.setItem('dojot-red.token', t), fresh);
    await page.waitForSelector('#reauth-dialog', { state: 'detached' });
    await other.close();
  });

  it('changes the password, refusing a wrong current password beside its field', async () => {
    await page.goto(`${p.httpUrl}/#/account`);
    assert.equal(await page.textContent('#account-tenant'), 'admin');
    await page.fill('input[name=oldpasswd]', 'not-it');
    await page.fill('input[name=newpasswd]', 'n3wpass');
    await page.fill('input[name=confirm]', 'n3wpass');
    await page.click('#save');
    await page.waitForSelector('[data-error-for="oldpasswd"]');
    await page.fill('input[name=oldpasswd]', 'admin');
    await page.fill('input[name=newpasswd]', 'abc');
    await page.fill('input[name=confirm]', 'abc');
    await page.click('#save');
    await page.waitForSelector('[data-error-for="newpasswd"]');
    await page.fill('input[name=newpasswd]', 'n3wpass');
    await page.fill('input[name=confirm]', 'n3wpass');
    await page.click('#save');
    await page.waitForSelector('#password-changed');
    assert.equal((await p.api(null, 'POST', '/auth', { username: 'admin', passwd: 'n3wpass' })).status, 200);
    await page.fill('input[name=oldpasswd]', 'n3wpass');
    await page.fill('input[name=newpasswd]', 'admin');
    await page.fill('input[name=confirm]', 'admin');
    await page.click('#save');
    await page.waitForSelector('#password-changed');
    // A password change ends the tokens issued before it (the console signed in again itself).
    admin = await p.login();
  });

  it("opens the flow editor signed in with the console's sign-in, and signing out ends both", async () => {
    const known = (
      (await p.api(admin, 'GET', '/device?page_size=1')).body.devices as { id: string; label: string }[]
    )[0];
    assert.ok(known, 'a device to pick');
    assert.equal(
      (
        await p.api(admin, 'POST', '/flows/v1/flow', {
          name: 'Picker',
          flow: [{ id: 'pick1', type: 'event device in', device_id: 'ffffff', event_publish: true }],
        })
      ).status,
      200,
    );
    const [editor] = await Promise.all([ctx.waitForEvent('page'), page.click('#open-editor')]);
    await editor.waitForSelector('#red-ui-palette-base-category-dojot', { timeout: 60_000 });
    assert.equal(new URL(editor.url()).pathname, '/flows/');
    // The editor shows who is signed in, in which tenant.
    await editor.waitForSelector('#dojot-user-menu');
    assert.equal((await editor.textContent('#dojot-user-menu .dojot-who'))?.trim(), 'admin · admin');

    // The dojot nodes' device field: the tenant's devices to pick from, and an unknown id in red.
    await editor.evaluate(() => (window as any).RED.editor.edit((window as any).RED.nodes.node('pick1')));
    await editor.waitForSelector('.dojot-picker-hint.dojot-unknown:text-is("unknown device: ffffff")');
    assert.equal(await editor.locator(`#dojot-device-list option[value="${known.id}"]`).count(), 1);
    await editor.fill('#node-input-device_id', known.id);
    await editor.waitForSelector(`.dojot-picker-hint:not(.dojot-unknown):text-is("${known.label}")`);
    await editor.click('#node-dialog-cancel');
    await editor.waitForSelector('#node-dialog-cancel', { state: 'hidden' });

    // The shipped examples under Import › Examples, their device placeholders mapped to the tenant's own.
    await editor.evaluate(() => (window as any).RED.actions.invoke('core:show-examples-import-dialog'));
    await editor.locator('.red-ui-treeList-label:has-text("dojot-nodes") >> visible=true').first().click();
    await editor.locator('.red-ui-treeList-label:has-text("rain-sum") >> visible=true').first().click();
    await editor.click('#red-ui-clipboard-dialog-ok');
    await editor.waitForSelector('#dojot-placeholders select[data-placeholder="device:station"]');
    await editor.selectOption('#dojot-placeholders select[data-placeholder="device:station"]', known.id);
    await editor.click('#dojot-placeholders-apply');
    await editor.waitForSelector('#dojot-placeholders', { state: 'detached' });
    const picked = await editor.evaluate(() => {
      const found: string[] = [];
      (window as any).RED.nodes.eachNode((n: any) => {
        if (n.type === 'event device in' && n.name === 'weather station') found.push(n.device_id);
      });
      return found;
    });
    assert.deepEqual(picked, [known.id]);

    // A deploy the platform refuses for the token opens the sign-in dialog over the editor;
    // signed in again, the same unsaved change deploys.
    const good = await editor.evaluate(() => localStorage.getItem('auth-tokens-flows')!);
    const forged = JSON.stringify({ access_token: JSON.parse(good).access_token.slice(0, -4) + 'AAAA' });
    await editor.evaluate((t) => localStorage.setItem('auth-tokens-flows', t), forged);
    await editor.evaluate(() => (window as any).RED.workspaces.add(null));
    await editor.click('#red-ui-header-button-deploy');
    await editor.waitForSelector('#dojot-reauth');
    await editor.fill('#dojot-reauth-passwd', 'wrong');
    await editor.click('#dojot-reauth-submit');
    await editor.waitForSelector('#dojot-reauth-error:text-is("Wrong username or password.")');
    await editor.fill('#dojot-reauth-passwd', 'admin');
    await editor.click('#dojot-reauth-submit');
    await editor.waitForSelector('#dojot-reauth', { state: 'detached' });
    const flowsBefore = ((await p.api(admin, 'GET', '/flows/v1/flow')).body.flows as unknown[]).length;
    await editor.click('#red-ui-header-button-deploy');
    await editor.waitForSelector('.red-ui-notification:has-text("Successfully deployed")', { timeout: 30_000 });
    // Deployed: the new tab and the imported example (with the device it was mapped to).
    const after = (await p.api(admin, 'GET', '/flows/v1/flow')).body.flows as {
      name: string;
      flow: { type: string; device_id?: string }[];
    }[];
    assert.equal(after.length, flowsBefore + 2);
    const example = after.find((f) => f.name === 'rain sum');
    assert.equal(example?.flow.find((n) => n.type === 'event device in')?.device_id, known.id);
    await editor.close();

    // The editor warns before the session expires, then asks to sign in again over the editor
    // (the page's clock runs ahead; the platform's does not).
    const clocked = await ctx.newPage();
    await clocked.clock.install();
    await clocked.goto(`${p.httpUrl}/flows/`);
    await clocked.waitForSelector('#dojot-user-menu', { timeout: 60_000 });
    await clocked.clock.fastForward(3600_000 - 60_000);
    await clocked.waitForSelector('#dojot-session-warning');
    await clocked.clock.fastForward(61_000);
    await clocked.waitForSelector('#dojot-reauth');
    await clocked.clock.setSystemTime(new Date());
    await clocked.fill('#dojot-reauth-passwd', 'admin');
    await clocked.click('#dojot-reauth-submit');
    await clocked.waitForSelector('#dojot-reauth', { state: 'detached' });
    await clocked.close();

    await page.click('#signout');
    await page.waitForSelector('input[name=passwd]');
    const stored = await page.evaluate(() => [
      localStorage.getItem('dojot-red.token'),
      localStorage.getItem('auth-tokens-flows'),
    ]);
    assert.deepEqual(stored, [null, null]);
    const cookies = await ctx.cookies(p.httpUrl + '/flows/');
    assert.equal(cookies.filter((c) => c.name === 'dojot_red_token').length, 0);
    const again = await ctx.newPage();
    await again.goto(`${p.httpUrl}/flows/`);
    await again.waitForURL(/\/flows\/signin$/);
    // The editor's sign-in page gives the same one message for a wrong password.
    await again.fill('#username', 'admin');
    await again.fill('#passwd', 'wrong');
    await again.click('#submit');
    await again.waitForSelector('#error:text-is("Wrong username or password.")');
    // And signing in on the editor's page signs the console in too.
    await again.fill('#username', 'admin');
    await again.fill('#passwd', 'admin');
    await again.click('#submit');
    await again.waitForSelector('#red-ui-palette-base-category-dojot', { timeout: 60_000 });
    await page.reload();
    await page.waitForSelector('#whoami');
    // Signing out in the editor ends the console's session as well, and lands on its sign-in.
    await again.click('#dojot-signout');
    await again.waitForSelector('input[name=passwd]');
    assert.equal(new URL(again.url()).pathname, '/');
    await page.reload();
    await page.waitForSelector('input[name=passwd]');
    await again.close();
  });

  it('raised no script error in any page it opened', () => {
    assert.deepEqual(pageErrors, []);
  });
});
