// Screenshots of each page of the web console, for the README: starts a platform on free ports
// with a throw-away data directory, fills it with a template, a device and some readings, and
// saves one PNG per page into docs/screenshots/. Run: npm run screenshots (needs Chromium).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { projectRoot } from '../core-services/platform/paths.js';
import { startTestPlatform } from '../test/helpers/start-platform.js';
import { connectDevice } from '../test/helpers/mqtt.js';
import { Workdir, makeOtherCa } from '../core-services/x509/testing.js';

const CHROMIUM = process.env.DOJOT_TEST_CHROMIUM ?? '/usr/bin/chromium';
const OUT = path.join(projectRoot(), 'docs', 'screenshots');

async function main() {
  mkdirSync(OUT, { recursive: true });
  const p = await startTestPlatform();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const admin = await p.login();
    const tpl = await p.api(admin, 'POST', '/template', {
      label: 'Thermostat',
      attrs: [
        {
          label: 'temperature',
          type: 'dynamic',
          value_type: 'float',
          metadata: [{ label: 'unit', type: 'static', value_type: 'string', static_value: '°C' }],
        },
        { label: 'humidity', type: 'dynamic', value_type: 'integer' },
        { label: 'serial', type: 'static', value_type: 'string', static_value: 'TH-2041' },
        { label: 'setpoint', type: 'actuator', value_type: 'float' },
        { label: 'firmware', type: 'meta', value_type: 'string', static_value: '1.4.2' },
      ],
    });
    await p.api(admin, 'POST', '/template', {
      label: 'Door sensor',
      attrs: [{ label: 'open', type: 'dynamic', value_type: 'bool' }],
    });
    const templateId = tpl.body.template.id as number;
    const created = await p.api(admin, 'POST', '/device', { label: 'Living room', templates: [templateId] });
    const id = created.body.devices[0].id as string;
    for (const label of ['Kitchen', 'Bedroom', 'Garage'])
      await p.api(admin, 'POST', '/device', { label, templates: [templateId] });

    // A day of readings, every half hour, then the newest one live.
    const device = await connectDevice(p.mqttPort!, `admin:${id}`);
    const now = Date.now();
    for (let i = 48; i >= 1; i--) {
      const temperature = Math.round((21 + 3 * Math.sin(i / 7) + Math.random()) * 10) / 10;
      await device.publishAsync(
        `admin:${id}/attrs`,
        JSON.stringify({ temperature, humidity: 40 + (i % 9), timestamp: now - i * 1800_000 }),
        { qos: 1 },
      );
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    const shot = async (name: string, pg: Page = page) => {
      await pg.waitForTimeout(300);
      await pg.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
    };
    await page.goto(`${p.httpUrl}/`);
    await page.waitForSelector('input[name=username]');
    await shot('sign-in');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=passwd]', 'admin');
    await page.click('button[type=submit]');
    await page.waitForSelector('#devices');
    await shot('devices');
    await page.goto(`${p.httpUrl}/#/templates`);
    await page.waitForSelector('#templates');
    await shot('templates');
    await page.goto(`${p.httpUrl}/#/templates/${templateId}`);
    await page.waitForSelector('[data-attr="4"]');
    await shot('template-edit');
    await page.goto(`${p.httpUrl}/#/devices/${id}`);
    await page.waitForSelector('#live-state:has-text("live")');
    await device.publishAsync(`admin:${id}/attrs`, JSON.stringify({ temperature: 22.4, humidity: 44 }), { qos: 1 });
    await page.waitForSelector('#latest tr[data-attr="temperature"] .value:text-is("22.4")');
    await page.waitForSelector('#history-chart canvas');
    await shot('device');
    await device.endAsync();
    // A certificate for the device, made in the browser.
    await page.click('#new-certificate');
    await page.waitForSelector('#bundle');
    await page.locator('#certificates').screenshot({ path: path.join(OUT, 'certificates.png') });
    // Notifications: one kept, one live.
    const notice = (msgID: string, message: string, level: string) => ({
      msgID,
      timestamp: Date.now(),
      message,
      metaAttrsFilter: { shouldPersist: true, level },
      subject: 'user_notification',
    });
    await p.bus.publish('admin.dojot.notifications', null, notice('n1', 'Living room above 24 °C', 'warning'));
    await page.goto(`${p.httpUrl}/#/devices`);
    await page.waitForSelector('#bell[data-live="true"]');
    await p.bus.publish('admin.dojot.notifications', null, notice('n2', 'Garage door left open', 'alarm'));
    await page.waitForSelector('#bell-count');
    await page.goto(`${p.httpUrl}/#/notifications`);
    await page.waitForSelector('#notifications tr[data-msgid="n2"]');
    await shot('notifications');
    // Flows with a few revisions.
    const flow = await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'Kitchen alarm',
      flow: [{ id: 'c1', type: 'comment', name: 'too hot' }],
    });
    await p.api(admin, 'POST', '/flows/v1/flow', {
      name: 'Rain sum',
      flow: [{ id: 'c2', type: 'comment', name: 'sum' }],
    });
    await p.api(admin, 'PUT', `/flows/v1/flow/${flow.body.flow.id}`, {
      flow: [
        { id: 'c1', type: 'comment', name: 'too hot!' },
        { id: 'c3', type: 'comment', name: 'notify' },
      ],
    });
    await page.goto(`${p.httpUrl}/#/flows`);
    await page.waitForSelector('#flows tr[data-flow="Kitchen alarm"]');
    await page.click('#revisions tbody tr .show-changes');
    await page.waitForSelector('.revision-changes li');
    await page.waitForSelector('#runtime');
    await shot('flows');
    // A trusted CA of the tenant's own.
    const w = new Workdir();
    try {
      await p.api(admin, 'POST', '/x509/v1/trusted-cas', { caPem: makeOtherCa(w, 'Factory-CA').pem });
    } finally {
      w.remove();
    }
    await page.goto(`${p.httpUrl}/#/certificates`);
    await page.waitForSelector('#trusted-cas');
    await shot('trusted-cas');
    await page.goto(`${p.httpUrl}/#/users`);
    await page.waitForSelector('#users');
    await page.waitForSelector('#groups tr[data-group="admin"] [data-permission]');
    await page.waitForSelector('[data-groups-of="admin"] .tag');
    await shot('users');
    await page.goto(`${p.httpUrl}/#/account`);
    await page.waitForSelector('#password-form');
    await shot('account');
    await page.selectOption('#lang', 'pt-BR');
    await page.goto(`${p.httpUrl}/#/devices`);
    await page.waitForSelector('#devices');
    await shot('devices-pt-BR');
    await page.selectOption('#lang', 'en');

    // The flow editor: the user menu, and an example's device placeholders being mapped.
    await p.api(admin, 'POST', '/device', { label: 'station', templates: [templateId] });
    const token = await page.evaluate(() => localStorage.getItem('dojot-red.token')!);
    await page.goto(`${p.httpUrl}/flows/?access_token=${encodeURIComponent(token)}`);
    await page.waitForSelector('#red-ui-palette-base-category-dojot', { timeout: 60_000 });
    await page.waitForSelector('#dojot-user-menu');
    await page.evaluate(() =>
      (window as unknown as { RED: { actions: { invoke(name: string): void } } }).RED.actions.invoke(
        'core:show-examples-import-dialog',
      ),
    );
    await page.locator('.red-ui-treeList-label:has-text("dojot-nodes") >> visible=true').first().click();
    await page.locator('.red-ui-treeList-label:has-text("rain-sum") >> visible=true').first().click();
    await page.click('#red-ui-clipboard-dialog-ok');
    await page.waitForSelector('#dojot-placeholders');
    await page.screenshot({ path: path.join(OUT, 'editor-example.png') });
    process.stdout.write(`screenshots in ${OUT}\n`);
  } finally {
    await browser.close();
    await p.close();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
