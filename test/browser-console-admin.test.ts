// More of the web console in a real headless Chromium through the platform's one port: attribute
// metadata in the template editor, a device's own static values, the tenant's trusted CAs, dojot's
// PAP groups on the users page, the editor's sign-in page in Portuguese, and an example's setup
// (templates and devices) created from the editor's examples dialog.
import assert from 'node:assert/strict';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Workdir, makeOtherCa } from '../core-services/x509/testing.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { launchChromium } from './helpers/browser.js';

interface AttrView {
  id: number;
  label: string;
  type: string;
  value_type: string;
  static_value?: string | null;
  metadata?: AttrView[];
}

describe('web console in the browser: metadata, overrides, trusted CAs, groups, editor', function () {
  this.timeout(150_000);
  let p: TestPlatform;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let admin: string;
  const pageErrors: string[] = [];

  before(async function () {
    browser = await launchChromium(this);
    p = await startTestPlatform();
    admin = await p.login();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    ctx.on('page', (pg) => pg.on('dialog', (d) => void d.accept()));
    const watch = (pg: Page) => pg.on('pageerror', (e) => pageErrors.push(`${pg.url()}: ${e.message}`));
    ctx.on('page', watch);
    page = await ctx.newPage();
    await page.goto(`${p.httpUrl}/`);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=passwd]', 'admin');
    await page.click('button[type=submit]');
    await page.waitForSelector('#whoami');
  });
  after(async () => {
    await browser?.close();
    await p?.close();
  });

  it("edits an attribute's metadata in the template editor, with the API's message beside a bad one and nothing lost", async () => {
    await page.goto(`${p.httpUrl}/#/templates/new`);
    await page.fill('input[name=label]', 'Meter');
    await page.click('#add-attr');
    await page.fill('input[name="attrs[0].label"]', 'power');
    await page.selectOption('select[name="attrs[0].type"]', 'dynamic');
    await page.selectOption('select[name="attrs[0].value_type"]', 'float');
    const meta = page.locator('[data-meta-for="attrs[0]"]');
    await meta.locator('button.add-meta').click();
    await page.fill('input[name="attrs[0].metadata[0].label"]', 'unit');
    await page.fill('input[name="attrs[0].metadata[0].type"]', 'static');
    await page.selectOption('select[name="attrs[0].metadata[0].value_type"]', 'string');
    await page.fill('input[name="attrs[0].metadata[0].static_value"]', 'kW');
    await meta.locator('button.add-meta').click();
    // A metadata row with no label: the API names it, the console shows it beside that field.
    await page.fill('input[name="attrs[0].metadata[1].type"]', 'static');
    await page.fill('input[name="attrs[0].metadata[1].static_value"]', '0.5');
    await page.click('#save');
    const error = page.locator('[data-error-for="attrs[0].metadata[1].label"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /^attrs\[0\]\.metadata\[1\]\.label: /);
    assert.equal(await page.inputValue('input[name="attrs[0].metadata[0].static_value"]'), 'kW');
    assert.equal(await page.inputValue('input[name="attrs[0].metadata[1].static_value"]'), '0.5');
    await page.fill('input[name="attrs[0].metadata[1].label"]', 'precision');
    await page.selectOption('select[name="attrs[0].metadata[1].value_type"]', 'float');
    await page.click('#save');
    await page.waitForSelector('#templates tr[data-template="Meter"]');
    const tpl = (
      (await p.api(admin, 'GET', '/template?label=Meter')).body.templates as { id: number; attrs: AttrView[] }[]
    )[0];
    const metas = (tpl.attrs[0].metadata ?? []).map((m) => [m.label, m.type, m.value_type, m.static_value]);
    assert.deepEqual(metas.sort(), [
      ['precision', 'static', 'float', '0.5'],
      ['unit', 'static', 'string', 'kW'],
    ]);

    // Opened again: the metadata is there; one removed and one changed are saved as such.
    await page.goto(`${p.httpUrl}/#/templates/${tpl.id}`);
    await page.waitForSelector('input[name="attrs[0].metadata[1].label"]');
    const labels = await page
      .locator('[data-meta-for="attrs[0]"] input[name$=".label"]')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    const unitAt = labels.indexOf('unit');
    assert.ok(unitAt >= 0, labels.join(','));
    await page.fill(`input[name="attrs[0].metadata[${unitAt}].static_value"]`, 'W');
    await page.locator(`[data-meta-for="attrs[0]"] [data-meta="${1 - unitAt}"] button.remove-meta`).click();
    await page.click('#save');
    await page.waitForSelector('#templates tr[data-template="Meter"]');
    const again = ((await p.api(admin, 'GET', `/template/${tpl.id}`)).body as { attrs: AttrView[] }).attrs[0];
    assert.deepEqual(
      (again.metadata ?? []).map((m) => [m.label, m.static_value]),
      [['unit', 'W']],
    );
  });

  it("sets a device's own static values over its template's, with the API's message beside a bad one", async () => {
    const made = await p.api(admin, 'POST', '/template', {
      label: 'Pump',
      attrs: [
        { label: 'site', type: 'static', value_type: 'string', static_value: 'plant-1' },
        { label: 'model', type: 'static', value_type: 'string', static_value: 'P100' },
        { label: 'flow', type: 'dynamic', value_type: 'float' },
      ],
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const tplId = made.body.template.id as number;
    await page.goto(`${p.httpUrl}/#/devices/new`);
    await page.fill('input[name=label]', 'pump-7');
    await page.check(`input[name=templates][value="${tplId}"]`);
    const site = page.locator('[data-override="site"] input');
    await site.waitFor();
    assert.equal(await site.getAttribute('placeholder'), 'template: plant-1');
    // Too long for a static value: refused beside the field, and what was typed stays.
    await site.fill('x'.repeat(200));
    await page.click('#save');
    const error = page.locator('[data-override="site"] .field-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /^attrs\[0\]\.static_value: /);
    assert.equal(await page.inputValue('input[name=label]'), 'pump-7');
    await site.fill('plant-9');
    await page.click('#save');
    await page.waitForURL(/#\/devices\/[0-9a-f]+$/);
    const id = new URL(page.url()).hash.split('/').pop()!;
    const attrs = ((await p.api(admin, 'GET', `/device/${id}`)).body.attrs as Record<string, AttrView[]>)[
      String(tplId)
    ];
    const value = (l: string) => attrs.find((a) => a.label === l)?.static_value;
    assert.equal(value('site'), 'plant-9');
    assert.equal(value('model'), 'P100');

    // The device's page shows its own value; the edit form shows it as the device's, and
    // emptying it goes back to the template's.
    await page.waitForSelector('text=plant-9');
    await page.goto(`${p.httpUrl}/#/devices/${id}/edit`);
    await page.waitForFunction(
      () => (document.querySelector('[data-override="site"] input') as HTMLInputElement | null)?.value === 'plant-9',
    );
    assert.equal(await page.inputValue('[data-override="model"] input'), '');
    await page.fill('[data-override="site"] input', '');
    await page.fill('[data-override="model"] input', 'P200');
    await page.click('#save');
    await page.waitForURL(new RegExp(`#/devices/${id}$`));
    const after = ((await p.api(admin, 'GET', `/device/${id}`)).body.attrs as Record<string, AttrView[]>)[
      String(tplId)
    ];
    assert.deepEqual(
      after.filter((a) => a.type === 'static').map((a) => [a.label, a.static_value]),
      [
        ['site', 'plant-1'],
        ['model', 'P200'],
      ],
    );
  });

  it("lists, adds (pasted or from a file) and removes the tenant's trusted CAs, with the API's message beside a bad PEM", async () => {
    const w = new Workdir();
    try {
      const pasted = makeOtherCa(w, 'Factory-CA');
      const uploaded = makeOtherCa(w, 'Vendor-CA');
      await page.goto(`${p.httpUrl}/#/certificates`);
      await page.waitForSelector('#no-trusted-cas');
      await page.fill('textarea[name=caPem]', 'not a certificate');
      await page.click('#add-trusted-ca');
      const error = page.locator('[data-error-for="caPem"]');
      await error.waitFor();
      assert.match((await error.textContent()) ?? '', /^caPem: /);
      assert.equal(await page.inputValue('textarea[name=caPem]'), 'not a certificate');

      await page.fill('textarea[name=caPem]', pasted.pem);
      await page.click('#add-trusted-ca');
      await page.waitForSelector('#trusted-cas tr[data-subject="CN=Factory-CA"]');
      await page.setInputFiles('input[name=caFile]', uploaded.certFile);
      await page.waitForFunction(() =>
        (document.querySelector('textarea[name=caPem]') as HTMLTextAreaElement).value.includes('BEGIN CERTIFICATE'),
      );
      await page.click('#add-trusted-ca');
      await page.waitForSelector('#trusted-cas tr[data-subject="CN=Vendor-CA"]');
      const listed = (await p.api(admin, 'GET', '/x509/v1/trusted-cas')).body.trustedCAs as { subject: string }[];
      assert.deepEqual(listed.map((c) => c.subject).sort(), ['CN=Factory-CA', 'CN=Vendor-CA']);

      await page.click('#trusted-cas tr[data-subject="CN=Factory-CA"] button.remove-ca');
      await page.waitForSelector('#trusted-cas tr[data-subject="CN=Factory-CA"]', { state: 'detached' });
      const left = (await p.api(admin, 'GET', '/x509/v1/trusted-cas')).body.trustedCAs as { subject: string }[];
      assert.deepEqual(
        left.map((c) => c.subject),
        ['CN=Vendor-CA'],
      );
    } finally {
      w.remove();
    }
  });

  it("shows each user's PAP groups to the platform's administrator: assign, remove, and groups created with permissions and deleted", async () => {
    const dave = await p.api(admin, 'POST', '/auth/user', {
      username: 'dave',
      service: 'admin',
      email: 'dave@example.com',
      name: 'Dave',
      profile: 'user',
      passwd: 'davepass',
    });
    assert.equal(dave.status, 200, JSON.stringify(dave.body));
    const perms = (await p.api(admin, 'GET', '/auth/pap/permission')).body.permissions as { name: string }[];
    assert.ok(perms.length > 0);
    await page.goto(`${p.httpUrl}/#/users`);
    await page.waitForSelector('#groups-admin');
    await page.waitForSelector('[data-groups-of="dave"] .tag[data-group="user"]');

    // A new group: a bad name is refused beside the field, then it is created with a permission.
    await page.click('#new-group');
    await page.fill('input[name=group-name]', 'night shift');
    await page.fill('input[name=group-description]', 'Operators at night');
    await page.check(`input[name=group-permission][value="${perms[0].name}"]`);
    await page.click('#save-group');
    const error = page.locator('[data-error-for="group-name"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /^name: /);
    assert.equal(await page.inputValue('input[name=group-description]'), 'Operators at night');
    await page.fill('input[name=group-name]', 'night-shift');
    await page.click('#save-group');
    await page.waitForSelector(`#groups tr[data-group="night-shift"] [data-permission="${perms[0].name}"]`);

    // Dave joins it and leaves his default group, as the API records.
    await page.selectOption('[data-groups-of="dave"] select.add-group', { label: 'night-shift' });
    await page.waitForSelector('[data-groups-of="dave"] .tag[data-group="night-shift"]');
    await page.click('[data-groups-of="dave"] .tag[data-group="user"] button');
    await page.waitForSelector('[data-groups-of="dave"] .tag[data-group="user"]', { state: 'detached' });
    const daveGroups = (await p.api(admin, 'GET', '/auth/pap/user/dave/groups')).body.groups as { name: string }[];
    assert.deepEqual(
      daveGroups.map((g) => g.name),
      ['night-shift'],
    );

    // A group with members is not deleted: the API's reason is shown; without them it goes.
    await page.click('#groups tr[data-group="night-shift"] button.delete-group');
    await page.waitForSelector('#groups-admin .form-error:has-text("night-shift")');
    assert.equal(await page.locator('#groups tr[data-group="night-shift"]').count(), 1);
    await page.click('[data-groups-of="dave"] .tag[data-group="night-shift"] button');
    await page.waitForSelector('[data-groups-of="dave"] .tag[data-group="night-shift"]', { state: 'detached' });
    await page.click('#groups tr[data-group="night-shift"] button.delete-group');
    await page.waitForSelector('#groups tr[data-group="night-shift"]', { state: 'detached' });
    assert.equal((await p.api(admin, 'GET', '/auth/pap/group?name=night-shift')).status, 404);

    // The page in Portuguese.
    await page.selectOption('#lang', 'pt-BR');
    await page.waitForSelector('#groups-admin h3:text-is("Grupos e permissões")');
    await page.selectOption('#lang', 'en');
  });

  it("shows the editor's sign-in page in the language chosen in the console, and a choice made there holds in the console", async () => {
    const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    try {
      const con = await fresh.newPage();
      con.on('pageerror', (e) => pageErrors.push(`${con.url()}: ${e.message}`));
      await con.goto(`${p.httpUrl}/`);
      await con.selectOption('#lang', 'pt-BR');
      await con.goto(`${p.httpUrl}/flows/`);
      await con.waitForURL(/\/flows\/signin$/);
      assert.equal(await con.textContent('#submit'), 'Entrar');
      assert.equal(await con.textContent('label[for=username]'), 'Usuário');
      assert.equal(await con.textContent('label[for=passwd]'), 'Senha');
      assert.equal(await con.getAttribute('html', 'lang'), 'pt-BR');
      await con.fill('#username', 'admin');
      await con.fill('#passwd', 'wrong');
      await con.click('#submit');
      await con.waitForSelector('#error:text-is("Usuário ou senha incorretos.")');
      // Switched back to English on the editor's page: the console follows.
      await con.selectOption('#lang', 'en');
      assert.equal(await con.textContent('#submit'), 'Sign in');
      await con.goto(`${p.httpUrl}/`);
      await con.waitForSelector('button[type=submit]:text-is("Sign in")');
    } finally {
      await fresh.close();
    }
  });

  it("creates an example's templates and devices from the editor's examples dialog and maps its placeholders to them", async () => {
    const editor = await ctx.newPage();
    await editor.goto(`${p.httpUrl}/flows/?access_token=${admin}`);
    await editor.waitForSelector('#red-ui-palette-base-category-dojot', { timeout: 60_000 });
    const before = (await p.api(admin, 'GET', '/device?label=weather-station')).body.devices as unknown[];
    assert.deepEqual(before, []);
    await editor.evaluate(() => (window as any).RED.actions.invoke('core:show-examples-import-dialog'));
    await editor.locator('.red-ui-treeList-label:has-text("dojot-nodes") >> visible=true').first().click();
    await editor.locator('.red-ui-treeList-label:has-text("rain-sum") >> visible=true').first().click();
    await editor.click('#red-ui-clipboard-dialog-ok');
    const station = '#dojot-placeholders select[data-placeholder="device:station"]';
    await editor.waitForSelector(station);
    assert.equal(await editor.inputValue(station), '');
    await editor.click('#dojot-placeholders-create');
    await editor.waitForFunction((sel) => !!(document.querySelector(sel) as HTMLSelectElement).value, station);
    const created = (await p.api(admin, 'GET', '/device?label=weather-station')).body.devices as {
      id: string;
      templates: number[];
    }[];
    assert.equal(created.length, 1);
    assert.equal(await editor.inputValue(station), created[0].id);
    const tpl = (await p.api(admin, 'GET', `/template/${created[0].templates[0]}`)).body as {
      label: string;
      attrs: AttrView[];
    };
    assert.equal(tpl.label, 'weather-station');
    assert.deepEqual(tpl.attrs.map((a) => a.label).sort(), ['place', 'rain']);
    await editor.click('#dojot-placeholders-apply');
    await editor.waitForSelector('#dojot-placeholders', { state: 'detached' });
    const picked = await editor.evaluate(() => {
      const found: string[] = [];
      (window as any).RED.nodes.eachNode((n: any) => {
        if (n.type === 'event device in' && n.name === 'weather station') found.push(n.device_id);
      });
      return found;
    });
    assert.deepEqual(picked, [created[0].id]);

    // Deployed, the example's flow names the created device, and carries no setup of its own.
    await editor.click('#red-ui-header-button-deploy');
    await editor.waitForSelector('.red-ui-notification:has-text("Successfully deployed")', { timeout: 30_000 });
    const flows = (await p.api(admin, 'GET', '/flows/v1/flow')).body.flows as {
      name: string;
      flow: { type: string; device_id?: string }[];
    }[];
    const example = flows.find((f) => f.name === 'rain sum');
    assert.equal(example?.flow.find((n) => n.type === 'event device in')?.device_id, created[0].id);
    assert.doesNotMatch(JSON.stringify(flows), /dojot_setup/);
    await editor.close();
  });

  it('raised no script error in any page it opened', () => {
    assert.deepEqual(pageErrors, []);
  });
});
