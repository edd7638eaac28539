// The headless Chromium every browser test drives (Debian's `chromium`, through playwright-core).
import { chromium, type Browser } from 'playwright-core';
import { requireChromium } from './services.js';

export const CHROMIUM = process.env.DOJOT_TEST_CHROMIUM ?? '/usr/bin/chromium';
/** Quiet and offline: no GPU, no sandbox (root in CI), nothing fetched in the background. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** For a mocha `before` hook: skips loudly (fails under CI=true) without Chromium, else launches it. */
export async function launchChromium(ctx: Mocha.Context): Promise<Browser> {
  requireChromium.call(ctx, CHROMIUM);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
