// Starts the real platform in this process on free ports with a fresh data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../core-services/platform/config.js';
import { createLogger } from '../../core-services/platform/log.js';
import { startPlatform, type RunningPlatform } from '../../bin/platform.js';

export interface TestPlatform extends RunningPlatform {
  /** POST /auth → jwt */
  login(username?: string, passwd?: string): Promise<string>;
  /** fetch against the platform with a token; JSON in, {status, body} out. */
  api(token: string | null, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
  dataDir: string;
}

export async function startTestPlatform(env: Record<string, string> = {}, opts: { dataDir?: string; keepData?: boolean } = {}): Promise<TestPlatform> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'dojot-red-test-'));
  const config = loadConfig({
    DOJOT_HTTP_PORT: '0',
    DOJOT_HTTP_HOST: '127.0.0.1',
    DOJOT_MQTT_PORT: '0',
    // MQTTS too: a fixed 8883 would collide between test files and with a running platform.
    DOJOT_MQTTS_PORT: '0',
    DOJOT_MQTT_HOST: '127.0.0.1',
    DOJOT_DATA_DIR: dataDir,
    DOJOT_LOG_LEVEL: process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const platform = await startPlatform(config, createLogger(config.logLevel));
  const api: TestPlatform['api'] = async (token, method, url, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(platform.httpUrl + url, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  };
  const login = async (username = 'admin', passwd = 'admin') => {
    const res = await api(null, 'POST', '/auth', { username, passwd });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.jwt as string;
  };
  return {
    ...platform,
    dataDir,
    login,
    api,
    close: async () => {
      await platform.close();
      if (!opts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
