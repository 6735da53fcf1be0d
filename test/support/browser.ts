/**
 * Headless Chromium for the browser tests: Debian's `chromium` (playwright's own downloads do not work on
 * these machines) driven by playwright-core. Without it the tests say so and are skipped, except in CI
 * (where .ci/run installs it), where that is a failure.
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium's own network calls (updates, sync, QUIC probes) are refused here: all turned off. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium for a describe block's before hook (with `args` added to CHROMIUM_ARGS), or skips
 * the block (fails in CI) saying why.
 */
export async function launchChromium(
  ctx: Mocha.Context,
  what = 'browser tests',
  args: string[] = [],
): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    const why = `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`;
    if (process.env.CI) throw new Error(`the ${what} cannot run: ${why}`);
    console.warn(`      ⚠ ${what} skipped: ${why}`);
    ctx.skip();
  }
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...args], headless: true });
}
