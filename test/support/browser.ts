import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { guardBrowser } from './journey.ts';

/**
 * The browser journeys run in the system's Chromium (Debian's /usr/bin/chromium): Playwright's own
 * browser download is not used. test/run.ts sets E2E_BROWSER to the Chromium it found, or to ''
 * when there is none; run directly, a test falls back to CHROMIUM_PATH or /usr/bin/chromium.
 */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';

function chromiumPath(): { path: string | null; reason: string | false } {
  const fromRunner = process.env.E2E_BROWSER;
  if (fromRunner) {
    return existsSync(fromRunner)
      ? { path: fromRunner, reason: false }
      : { path: null, reason: `Chromium not found at E2E_BROWSER=${fromRunner}: install it (apt-get install -y chromium) to run the browser journeys` };
  }
  const candidate = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  if (existsSync(candidate)) return { path: candidate, reason: false };
  return { path: null, reason: 'Chromium not found: install it (apt-get install -y chromium) to run the browser journeys' };
}

const found = chromiumPath();

/** false when the journeys can run; otherwise why they are skipped (for `describe(..., { skip })`). */
export const skipReason: string | false = found.reason;

export const chromiumExecutable: string | null = found.path;

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

/** Launches the system Chromium, headless (with extra switches if given). Only call it when `skipReason` is false. */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  if (!chromiumExecutable) throw new Error(skipReason || 'Chromium not found');
  // Every page of this browser follows the journey rules (test/support/journey.ts).
  return guardBrowser(await chromium.launch({ executablePath: chromiumExecutable, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 60_000 }));
}

/** The brief's name for it: the launch function, or a skip reason. */
export function browserOrSkip(): { skip: string } | { launch: () => Promise<Browser> } {
  return skipReason ? { skip: skipReason } : { launch: launchBrowser };
}
