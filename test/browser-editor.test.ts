// The flow editor in a real headless Chromium through the platform's one port: sign in once,
// the themed Node-RED editor opens with the dojot category first and only this tenant's flows.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { projectRoot } from '../core-services/platform/paths.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { launchChromium } from './helpers/browser.js';

describe('flow editor in the browser', function () {
  this.timeout(150_000);
  let p: TestPlatform;
  let browser: Browser;

  before(async function () {
    browser = await launchChromium(this);
    p = await startTestPlatform();
    const admin = await p.login();
    const bob = await p.api(admin, 'POST', '/auth/user', {
      username: 'bob',
      service: 'beta',
      email: 'bob@example.com',
      name: 'Bob',
      profile: 'user',
      passwd: 'bobpass',
    });
    assert.equal(bob.status, 200, JSON.stringify(bob.body));
    const bobToken = await p.login('bob', 'bobpass');
    assert.equal(
      (
        await p.api(admin, 'POST', '/flows/v1/flow', {
          name: 'Kitchen alarm',
          flow: [{ id: 'k1', type: 'comment', name: 'kitchen', wires: [] }],
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await p.api(bobToken, 'POST', '/flows/v1/flow', {
          name: 'Beta secret flow',
          flow: [{ id: 'b1', type: 'comment' }],
        })
      ).status,
      200,
    );
  });
  after(async () => {
    await browser?.close();
    await p?.close();
  });

  it("signs in once, opens the themed editor with the dojot category and only the tenant's flows, deploys, and hears of REST changes", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(`${p.httpUrl}/flows/`);
    // No token yet: the editor sends the user to the platform sign-in.
    await page.waitForURL(/\/flows\/signin$/);
    await page.fill('#username', 'admin');
    await page.fill('#passwd', 'admin');
    await page.click('#submit');

    await page.waitForSelector('#red-ui-palette-base-category-dojot', { timeout: 60_000 });
    await page.waitForSelector('#red-ui-workspace-tabs .red-ui-tab-label', { timeout: 30_000 });
    assert.match(await page.title(), /^dojot-red/);
    const tabs = await page.locator('#red-ui-workspace-tabs .red-ui-tab-label').allInnerTexts();
    assert.ok(
      tabs.some((t) => t.includes('Kitchen alarm')),
      `tabs: ${tabs.join(', ')}`,
    );
    assert.ok(!tabs.some((t) => t.includes('Beta secret flow')));

    // The dojot category comes first in the palette, and the host-reaching nodes are not offered.
    const categories = await page
      .locator('#red-ui-palette-container .red-ui-palette-category')
      .evaluateAll((els) => els.map((e) => e.id));
    assert.equal(categories[0], 'red-ui-palette-container-dojot');
    const types = await page
      .locator('.red-ui-palette-node')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-palette-type')));
    assert.ok(types.includes('dojot bus in'));
    for (const banned of ['exec', 'file', 'file in', 'watch', 'tcp in', 'udp out'])
      assert.ok(!types.includes(banned), banned);

    // The comms websocket came through the gateway: the editor shows no connection-lost banner.
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('.red-ui-notification:has-text("Lost connection")').count(), 0);

    const out = path.join(projectRoot(), 'test-output');
    mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, 'browser-editor.png') });

    // Deploying from the editor stores a new tab as a flow that REST lists.
    await page.evaluate(() => (window as any).RED.workspaces.add(null));
    await page.click('#red-ui-header-button-deploy');
    await page.waitForSelector('.red-ui-notification:has-text("Successfully deployed")', { timeout: 30_000 });
    const admin = await p.login();
    const flows = (await p.api(admin, 'GET', '/flows/v1/flow')).body.flows as { name: string }[];
    assert.equal(flows.length, 2, JSON.stringify(flows.map((f) => f.name)));

    // A flow created over REST reaches the open editor over its websocket (comms, through the gateway).
    assert.equal((await p.api(admin, 'POST', '/flows/v1/flow', { name: 'Added over REST', flow: [] })).status, 200);
    // An open editor is told over comms; if its websocket was reconnecting at that moment (a
    // loaded machine), the flow must still be there once the editor loads again.
    const told = await page
      .waitForSelector('.red-ui-notification:has-text("The flows on the server have been updated")', {
        timeout: 20_000,
      })
      .then(
        () => true,
        () => false,
      );
    if (!told) {
      await page.reload();
      await page.waitForSelector('#red-ui-workspace-tabs .red-ui-tab-label:has-text("Added over REST")', {
        timeout: 60_000,
      });
    }
  });
});
