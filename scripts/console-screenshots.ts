/**
 * Regenerates docs/console-fleet.png and docs/console-chip.png: a seeded fleet on a scratch
 * PostgreSQL database and a Temporal dev server (the browser tests' stack), the console, and
 * headless Chromium. Run: npx tsx scripts/console-screenshots.ts [outDir]
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { launchChromium } from '../test/helpers/browser';
import { SEEDED_FLEET, startConsoleStack } from '../test/helpers/console-stack';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs'));
  mkdirSync(out, { recursive: true });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stack = await startConsoleStack({ seededChips: 16 });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(`${stack.console.url}/?fleet=${SEEDED_FLEET}&refresh=0`);
    await page.screenshot({ path: path.join(out, 'console-fleet.png'), fullPage: true });
    // A chip in the middle of the program, with promotions, conversations and an alert.
    const chip = stack.seeded.find((c) => c.phase === 'expansao' && c.ageDays >= 10) ?? stack.seeded[0]!;
    await page.goto(`${stack.console.url}/chips/${chip.id}`);
    await page.waitForSelector('#chart-reply canvas');
    await page.screenshot({ path: path.join(out, 'console-chip.png'), fullPage: true });
    console.log(`wrote ${path.join(out, 'console-fleet.png')} and ${path.join(out, 'console-chip.png')}`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
