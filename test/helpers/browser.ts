/** Real headless Chromium (Debian's `chromium`, installed by .ci/run) driven by playwright-core. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given && existsSync(given)) return given;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not this one
    }
  }
  throw new Error('No Chromium found: install it (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH.');
}

/**
 * On a fresh machine of this kind (root, Debian), installs Debian's chromium the way .ci/run does, so
 * `npm test` needs nothing installed by hand; elsewhere the browser tests say what to install.
 */
export function ensureChromium(): void {
  try {
    chromiumPath();
    return;
  } catch {
    // not installed yet
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) return;
  process.stderr.write('[browser] installing Debian chromium for the console tests (apt-get)\n');
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], {
      stdio: 'inherit',
    });
  } catch (err) {
    process.stderr.write(`[browser] could not install chromium: ${(err as Error).message}\n`);
  }
}

/** `extraArgs`: more Chromium switches, e.g. --host-resolver-rules to point a made-up name at loopback. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  // --no-sandbox: CI containers run as root, where Chromium's sandbox cannot start.
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...extraArgs],
  });
}
