/**
 * `npm run faults`: the fault-injection suite at its full size. Prints the two tables of docs/reliability.md and
 * writes bench/results/faults.json.
 *  - The real stack (test/faults/real-*.ts): the production worker entry point in a child process,
 *    PostgreSQL through a proxy that can cut it, the Temporal dev server, the simulator and a
 *    stand-in Slack; default 6 chips on a 10-minute program day, every row of the real-stack table in turn
 *    (`--chips`, `--day-min`, `--kills`, `--only a,b`, `--skip-real`).
 *  - The time-skipping rows (test/faults/faults.ts): default 4 chips × 2 program days per fault
 *    (`--ts-chips`, `--ts-days`, `--skip-time-skipping`).
 * The test suite runs the short forms (test/faults/*.test.ts).
 */
import { runFault, markdownTable, type FaultRow } from '../test/faults/fault-suite';
import { FAULTS } from '../test/faults/faults';
import { REAL_FAULTS, type RealSize } from '../test/faults/real-faults';
import { realMarkdownTable, runRealFaults, type RealRow } from '../test/faults/real-measure';
import { workflowBundle } from '../test/helpers/temporal';
import { argFlag, argNumber, argString, log, machine, quietRuntime, report } from './lib';

async function main(): Promise<void> {
  quietRuntime();
  const only = argString('only', '').split(',').filter(Boolean);
  const size: RealSize = {
    chips: argNumber('chips', 6),
    dayMs: argNumber('day-min', 10) * 60_000,
    dbDownMin: 30,
    evolutionDownMin: 10,
    slackDownMin: 24 * 60,
    temporalDownMs: 5000,
    kills: argNumber('kills', 10),
    baselineMs: 5000,
    settleMs: 2000,
  };
  let real: { rows: RealRow[]; seconds: number } | undefined;
  if (!argFlag('skip-real')) {
    const faults = REAL_FAULTS.filter((f) => only.length === 0 || only.includes(f.name));
    log(`real stack: ${faults.length} faults, ${size.chips} chips, program day ${size.dayMs / 60_000} min`);
    real = await runRealFaults(faults, size, log);
  }
  const tsChips = argNumber('ts-chips', 4);
  const tsDays = argNumber('ts-days', 2);
  const tsRows: FaultRow[] = [];
  if (!argFlag('skip-time-skipping')) {
    const code = await workflowBundle({ fresh: true });
    for (const fault of FAULTS.filter((f) => only.length === 0 || only.includes(f.name))) {
      log(`time-skipping fault ${fault.name}: ${tsChips} chips × ${tsDays} days`);
      tsRows.push(await runFault(fault, { chips: tsChips, days: tsDays, bundle: code }));
    }
  }
  const realClean = (real?.rows ?? []).every(
    (r) => r.lost === 0 && r.duplicate === 0 && r.overCap === 0 && r.chipsEnded === 0 && r.violations.length === 0,
  );
  const tsClean = tsRows.every((r) => r.lost === 0 && r.duplicate === 0 && r.overCap === 0 && r.chipsEnded === 0);
  const text = [
    real ? `Real stack (${real.seconds} s):\n\n${realMarkdownTable(real.rows)}` : '',
    tsRows.length ? `Time-skipping server:\n\n${markdownTable(tsRows)}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  report('faults', text, {
    machine: machine(),
    real: real ? { size, seconds: real.seconds, rows: real.rows, clean: realClean } : null,
    timeSkipping: { chips: tsChips, days: tsDays, rows: tsRows, clean: tsClean },
    clean: realClean && tsClean,
  });
  if (!realClean || !tsClean) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
