#!/usr/bin/env node
/**
 * `npm run test:hours`: the suites that run on the time-skipping server, once per São Paulo hour
 * (WARMER_TEST_TIME_OF_DAY), one line per hour. `npm test` runs them at one fixed hour; this finds what
 * a whole warm-up does wrong when it starts at night, at the window's opening or near its close.
 *
 *   npm run test:hours                                   # every hour below, every such suite
 *   npm run test:hours -- --hours 03:00,14:00            # some hours
 *   npm run test:hours -- test/workflows/opening.test.ts # some suites (paths or jest patterns)
 *   npm run test:hours -- --list                         # the suites it would run
 *
 * Each hour's jest output goes to a log file, named on the hour's line when something failed.
 */
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, readdirSync, existsSync, openSync, closeSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DEFAULT_HOURS = ['00:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00'];
const USES_TIME_SKIPPING = /\btimeSkippingEnv\(/;

function option(args, name) {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return { value: undefined, rest: args };
  const inline = args[i].includes('=');
  const value = inline ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1];
  if (value === undefined) throw new Error(`--${name} needs a value`);
  return { value, rest: args.filter((_, j) => j !== i && (inline || j !== i + 1)) };
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** Test files that start a time-skipping server, themselves or through a module of test/ they import. */
function timeSkippingSuites() {
  return testFiles(path.join(ROOT, 'test'))
    .filter((file) => {
      const text = readFileSync(file, 'utf8');
      if (USES_TIME_SKIPPING.test(text)) return true;
      const local = [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]));
      return local.some((mod) => {
        const source = [`${mod}.ts`, path.join(mod, 'index.ts')].find((f) => existsSync(f));
        return (
          source !== undefined && !source.includes(`${path.sep}helpers${path.sep}`) && USES_TIME_SKIPPING.test(readFileSync(source, 'utf8'))
        );
      });
    })
    .map((file) => path.relative(ROOT, file))
    .sort();
}

function main() {
  const hoursOption = option(process.argv.slice(2), 'hours');
  const hours = hoursOption.value ? hoursOption.value.split(',').map((h) => h.trim()) : DEFAULT_HOURS;
  for (const hour of hours) {
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(hour)) throw new Error(`--hours takes HH:MM,HH:MM,... (São Paulo time), got "${hour}"`);
  }
  const list = hoursOption.rest.includes('--list');
  const paths = hoursOption.rest.filter((a) => a !== '--list');
  const suites = paths.length > 0 ? paths : timeSkippingSuites();
  if (suites.length === 0) throw new Error('no suite uses the time-skipping server');
  if (list) {
    console.log(suites.join('\n'));
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-hours-'));
  console.log(`${suites.length} suites on the time-skipping server, at ${hours.join(', ')} (São Paulo); logs in ${dir}`);
  let failed = false;
  for (const hour of hours) {
    const tag = hour.replace(':', '');
    const out = path.join(dir, `results-${tag}.json`);
    const logFile = path.join(dir, `jest-${tag}.log`);
    const log = openSync(logFile, 'w');
    const started = Date.now();
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--json', `--outputFile=${out}`, ...suites], {
      cwd: ROOT,
      stdio: ['ignore', log, log],
      env: { ...process.env, WARMER_TEST_TIME_OF_DAY: hour },
    });
    closeSync(log);
    const seconds = Math.round((Date.now() - started) / 1000);
    const r = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null;
    const ok = run.status === 0 && r !== null && r.numTotalTests > 0 && r.numFailedTests === 0 && r.numFailedTestSuites === 0;
    if (!ok) failed = true;
    const counts = r ? `${r.numPassedTests} passed, ${r.numFailedTests} failed` : 'no results';
    const failures = r
      ? r.testResults.flatMap((s) => {
          const file = path.relative(ROOT, s.name);
          const tests = s.assertionResults.filter((a) => a.status === 'failed').map((a) => `${file}: ${a.fullName}`);
          // A suite that failed outside its tests (its setup threw) has no failed test to name.
          return tests.length === 0 && s.status === 'failed' ? [`${file}: the suite failed to run`] : tests;
        })
      : [];
    console.log(`${hour}  ${ok ? 'pass' : 'FAIL'}  ${counts}  ${seconds} s${ok ? '' : `  (log: ${logFile})`}`);
    for (const f of failures) console.log(`         ${f}`);
  }
  process.exit(failed ? 1 : 0);
}

try {
  main();
} catch (err) {
  console.error(`test:hours: ${err.message}`);
  process.exit(2);
}
