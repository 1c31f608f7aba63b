/**
 * `npm run faults`: the fault-injection suite at its full size (default 4 chips × 2 program days per
 * fault; `--chips`, `--days`, `--only a,b`). Prints the README's table and writes bench/results/faults.json.
 * The test suite runs the short form (test/faults/faults.test.ts).
 */
import { runFault, markdownTable, type FaultRow } from '../test/faults/fault-suite';
import { FAULTS } from '../test/faults/faults';
import { argNumber, argString, bundle, log, machine, quietRuntime, report } from './lib';

async function main(): Promise<void> {
  quietRuntime();
  const chips = argNumber('chips', 4);
  const days = argNumber('days', 2);
  const only = argString('only', '').split(',').filter(Boolean);
  const code = await bundle();
  const rows: FaultRow[] = [];
  for (const fault of FAULTS.filter((f) => only.length === 0 || only.includes(f.name))) {
    log(`fault ${fault.name}: ${chips} chips × ${days} days`);
    rows.push(await runFault(fault, { chips, days, bundle: code }));
  }
  const clean = rows.every((r) => r.lost === 0 && r.duplicate === 0 && r.overCap === 0 && r.chipsEnded === 0);
  report('faults', markdownTable(rows), { machine: machine(), chips, days, rows, clean });
  if (!clean) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
