// Debian's Chromium (/usr/bin/chromium, or CIG_CHROMIUM), headless, with a fresh profile and no
// internet: every host name but 127.0.0.1 resolves to nothing, and whatever is not loopback would
// go through a proxy on a closed port. Enforced by Chromium's network stack, so a page that needs a
// CDN fails exactly as it would on an air-gapped machine. Nothing is downloaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
];

// Returns {context, close}; close() ends the browser and removes its profile, and never throws.
export async function launchOfflineChromium(stepTimeoutMs) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'cig-chromium-'));
  let context;
  const close = async () => {
    try {
      await context?.close();
    } catch {
      // already gone
    }
    rmSync(userDataDir, { recursive: true, force: true });
  };
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CIG_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1400, height: 900 },
      timeout: stepTimeoutMs,
    });
  } catch (error) {
    await close();
    throw error;
  }
  context.setDefaultTimeout(stepTimeoutMs);
  return { context, close };
}
