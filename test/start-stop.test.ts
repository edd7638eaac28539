import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, run, spawnPlatform } from './helpers/processes.js';

describe('npm start: the platform process', function () {
  this.timeout(120_000);
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-proc-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a bad setting, naming the variable', async () => {
    const res = await run(process.execPath, [path.resolve('dist/bin/dojot-red.js')], 15_000).catch(() => null);
    assert.ok(res);
    const bad = await new Promise<{ code: number | null; out: string }>((resolve) => {
      import('node:child_process').then(({ spawn }) => {
        const c = spawn(process.execPath, ['dist/bin/dojot-red.js'], {
          env: { ...process.env, DOJOT_HTTP_PORT: 'eighty' },
        });
        let out = '';
        c.stderr.on('data', (d) => (out += d));
        c.on('exit', (code) => resolve({ code, out }));
      });
    });
    assert.equal(bad.code, 2);
    assert.match(bad.out, /DOJOT_HTTP_PORT: expected an integer/);
  });

  it('starts, says where it listens, stops on SIGTERM, and keeps everything across a restart', async () => {
    const [http, mqtt] = [await freePort(), await freePort()];
    const env = {
      DOJOT_HTTP_PORT: String(http),
      DOJOT_MQTT_PORT: String(mqtt),
      DOJOT_DATA_DIR: dataDir,
      DOJOT_HTTP_HOST: '127.0.0.1',
      DOJOT_MQTT_HOST: '127.0.0.1',
    };
    const base = `http://127.0.0.1:${http}`;
    const first = await spawnPlatform(env);
    assert.match(
      first.output(),
      new RegExp(`HTTP on 127.0.0.1:${http}, MQTT on 127.0.0.1:${mqtt}, data in ${dataDir}`),
    );
    const login = async () => {
      const r = await fetch(`${base}/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', passwd: 'admin' }),
      });
      assert.equal(r.status, 200);
      return ((await r.json()) as { jwt: string }).jwt;
    };
    const jwt = await login();
    const h = { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' };
    const tpl = (await (
      await fetch(`${base}/template`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ label: 'T', attrs: [{ label: 'temperature', type: 'dynamic', value_type: 'float' }] }),
      })
    ).json()) as any;
    const dev = (await (
      await fetch(`${base}/device`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ label: 'd', templates: [tpl.template.id] }),
      })
    ).json()) as any;
    const id = dev.devices[0].id;
    const pub = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(mqtt),
      '-u',
      `admin:${id}`,
      '-t',
      `admin:${id}/attrs`,
      '-m',
      '{"temperature": 21.5}',
      '-q',
      '1',
    ]);
    assert.equal(pub.code, 0, pub.stderr);
    const historyOf = async (token: string) =>
      fetch(`${base}/history/device/${id}/history?lastN=1&attr=temperature`, {
        headers: { authorization: `Bearer ${token}` },
      });
    let hist: Response | undefined;
    for (let i = 0; i < 50; i++) {
      hist = await historyOf(jwt);
      if (hist.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(hist!.status, 200);

    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = await spawnPlatform(env);
    try {
      // The signing secret is kept: a token from before the restart still works.
      const again = await fetch(`${base}/device/${id}`, { headers: { authorization: `Bearer ${jwt}` } });
      assert.equal(again.status, 200);
      const values = (await (await historyOf(await login())).json()) as any[];
      assert.equal(values[0].value, 21.5);
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });
});
