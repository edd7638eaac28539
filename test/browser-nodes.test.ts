// Every dojot node in the real editor (headless Chromium through the platform's one port): it
// is in the dojot palette category, and its edit dialog opens, shows its form and closes
// without a script error.
import assert from 'node:assert/strict';
import { type Browser } from 'playwright-core';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { launchChromium } from './helpers/browser.js';

const TYPES = [
  'event device in',
  'event template in',
  'device in',
  'device template in',
  'device out',
  'actuate',
  'multi device out',
  'multi actuate',
  'notification',
  'geofence',
  'cumulative sum',
  'merge data',
  'get context',
  'http',
  'ftp',
  'publish-ftp',
  'cron',
  'cron-batch',
];

describe('dojot nodes in the browser editor', function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let browser: Browser;

  before(async function () {
    browser = await launchChromium(this);
    p = await startTestPlatform();
  });
  after(async () => {
    await browser?.close();
    await p?.close();
  });

  it('offers every dojot node in the dojot category and opens each edit dialog without errors', async () => {
    const jwt = await p.login();
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon|Failed to load resource/.test(m.text())) errors.push(m.text());
    });
    await page.goto(`${p.httpUrl}/flows/?access_token=${jwt}`);
    await page.waitForSelector('#red-ui-palette-base-category-dojot', { timeout: 90_000 });
    const inDojot = await page
      .locator('#red-ui-palette-base-category-dojot .red-ui-palette-node')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-palette-type')));
    for (const t of TYPES) assert.ok(inDojot.includes(t), `${t} is not in the dojot category: ${inDojot.join(', ')}`);

    for (const type of TYPES) {
      const opened = await page.evaluate((t) => {
        const RED = (window as any).RED;
        const id = RED.nodes.id();
        RED.view.importNodes([{ id, type: t, x: 200, y: 200, z: RED.workspaces.active(), wires: [] }]);
        const node = RED.nodes.node(id);
        if (!node) return `no node of type ${t}`;
        RED.editor.edit(node);
        return id;
      }, type);
      assert.doesNotMatch(opened, /^no node/);
      // The dialog shows the node's own form (its Name row at least).
      await page.waitForSelector('#dialog-form #node-input-name', { timeout: 10_000 });
      // Its labels come from the node's message catalog (locales/en-US), not raw keys.
      const label = (await page.locator('#dialog-form label[for="node-input-name"]').innerText()).trim();
      assert.equal(label, 'Name', `the name label of ${type}`);
      // Dispatched to the button itself: a notification of the editor's own (a reconnect on a busy
      // machine) may lie over it, and is not what this test is about.
      await page.locator('#node-dialog-cancel').dispatchEvent('click');
      await page.waitForSelector('#dialog-form', { state: 'detached', timeout: 10_000 });
      assert.deepEqual(errors, [], `while editing ${type}`);
    }
  });
});
