/**
 * The `warmer` command line. Exit codes: 0 done (chip onboard: the chip is warming), 1 failure (the
 * message names the problem; chip onboard: the onboarding ended without a chip; chip import: a row
 * was not imported), 2 usage error (unknown command or option, missing argument).
 */
import { Command, CommanderError } from 'commander';
import { revivedFailure } from '../client/failures';
import { ERROR_TABLE } from '../domain/errors';
import {
  addChip,
  fleetCommand,
  fleetResumeCommand,
  pauseCommand,
  resumeCommand,
  retireCommand,
  schedulesSyncCommand,
  statusCommand,
} from './chip-and-fleet-commands';
import { consoleCommand } from './console-command';
import { restartCommand } from './restart-command';
import { profileCommand, type ProfileOptions } from './profile-command';
import { importCommand } from './import-command';
import { onboardCommand, type OnboardOptions } from './onboard-command';
import { CliContext, type CliIo } from './context';
import { dbMigrateCommand } from './db-commands';
import { forecastCommand, parseChips, parseDays, parseReplyRate, parseSeed } from './forecast-command';
import { table } from '../presentation/text-tables';
import { PHASE_TABLE_HEADERS, phaseTableMarkdown, phaseTableRows } from './phase-table';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const CHIP_REF = 'chip id, instance name or phone';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('warmer')
    .description('Operate the Warmer fleet: add chips, pause and resume them, read the fleet, sync the schedules.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .showHelpAfterError('(run with --help for usage)')
    .allowExcessArguments(false)
    // `fleet --fleet x` and `fleet resume --fleet x` each keep their own option.
    .enablePositionalOptions()
    .addHelpText(
      'after',
      `
Configuration comes from the environment (TEMPORAL_ADDRESS, DATABASE_URL, SUPABASE_URL, ... see docs/configuration.md).
With the embedded database and 'npm run dev' running, the CLI uses the dev stack's database and clock
(WARMER_DEV_DIR names the dev stack's folder when it is not .data). A command that finds no database says so.

Exit codes: 0 ok (chip onboard: the chip is warming), 1 failure (chip onboard: the onboarding ended
without a chip, e.g. wrong number, refused instance name, timeout; chip import: a row was not imported),
2 usage error.`,
    );

  const chip = program.command('chip').description('one chip: onboard, import, add, pause, resume, retire, restart, status, profile');
  chip
    .command('onboard')
    .description(
      'onboard a new number: create its instance, show the QR code (or pairing code) until it connects, register it and start its warm-up',
    )
    .requiredOption('--phone <E164>', 'phone number in E.164, e.g. +5511999999999')
    .requiredOption('--instance <name>', 'the instance to create on the messaging provider (or adopt, if connected to this number)')
    .option('--fleet <id>', 'fleet it warms up with (conversations stay inside a fleet)', undefined)
    .option('--pairing-code', 'log in with a pairing code typed on the phone instead of a QR code')
    .option('--json', 'machine-readable output: one JSON object per line (started, step, warming or failed)')
    .option('--no-wait', 'start the onboarding and return (exit 0); follow it later with the same command or the console')
    .addHelpText(
      'after',
      '\nExit codes: 0 the chip is warming (or started, with --no-wait), 1 the onboarding ended without a chip, 2 usage.',
    )
    .action((opts: OnboardOptions) => onboardCommand(ctx, opts));
  chip
    .command('import')
    .description('onboard many numbers from a CSV file with the header phone,instance,fleet; prints one result per row')
    .argument('<file>', 'the CSV file')
    .option('--pairing-code', 'new instances log in with pairing codes instead of QR codes')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExit codes: 0 every row started, registered or skipped, 1 a row was not imported (its line is named), 2 usage.',
    )
    .action((file: string, opts: { json?: boolean; pairingCode?: boolean }) => importCommand(ctx, file, opts));
  chip
    .command('add')
    .description(
      'register a chip whose instance was connected elsewhere (checked: it exists, is connected, holds the phone) and start its warm-up',
    )
    .requiredOption('--phone <E164>', 'phone number in E.164, e.g. +5511999999999')
    .requiredOption('--instance <name>', 'its instance on the messaging provider (Evolution API)')
    .option('--fleet <id>', 'fleet it warms up with (conversations stay inside a fleet)', undefined)
    .option('--force', 'register even when the instance check fails (recorded as an alert naming you)')
    .option('--json', 'machine-readable output')
    .action((opts: { phone: string; instance: string; fleet?: string; json?: boolean; force?: boolean }) => addChip(ctx, opts));
  chip
    .command('pause')
    .description('pause a chip: its conversation stops now, no new one starts')
    .argument('<id>', CHIP_REF)
    .option('--reason <text>', 'why (shown in status and the Temporal UI)')
    .action((id: string, opts: { reason?: string }) => pauseCommand(ctx, id, opts.reason));
  chip
    .command('resume')
    .description('resume a paused chip')
    .argument('<id>', CHIP_REF)
    .action((id: string) => resumeCommand(ctx, id));
  chip
    .command('retire')
    .description("end a chip's warm-up for good")
    .argument('<id>', CHIP_REF)
    .option('--reason <text>', 'why')
    .action((id: string, opts: { reason?: string }) => retireCommand(ctx, id, opts.reason));
  chip
    .command('restart')
    .description('bring back a chip whose warm-up workflow ended (failed, terminated, banned, retired), in its recorded phase')
    .argument('<id>', CHIP_REF)
    .option('--reason <text>', 'why (recorded in the audit alert and the notification)')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { reason?: string; json?: boolean }) => restartCommand(ctx, id, opts));
  chip
    .command('status')
    .description("a chip's phase, day, health, reply rate, today's sends, what it still needs, open alerts")
    .argument('<id>', CHIP_REF)
    .option('--json', 'machine-readable output')
    .action((id: string, opts: { json?: boolean }) => statusCommand(ctx, id, opts));
  chip
    .command('profile')
    .description("the setup's profile checklist (settings, privacy, name, about, photo); mark a step done by hand or retry it")
    .argument('<id>', CHIP_REF)
    .option('--done <step>', 'mark a step done by hand (e.g. a photo set in the app); audited')
    .option('--retry <step>', 'try a step again now; audited')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'machine-readable output')
    .action((id: string, opts: ProfileOptions) => profileCommand(ctx, id, opts));

  const fleet = program
    .command('fleet')
    .description('one row per chip: phone, phase, day in phase, health, reply rate, sent/cap, status, pending')
    .option('--json', 'machine-readable output')
    .option('--fleet <id>', 'only this fleet')
    .action((opts: { json?: boolean; fleet?: string }) => fleetCommand(ctx, opts));
  fleet
    .command('resume')
    .description("after the fleet breaker: resolve its alert and lift the breaker's pauses")
    .option('--fleet <id>', 'only this fleet')
    .action((opts: { fleet?: string }) => fleetResumeCommand(ctx, opts));

  program
    .command('phases')
    .description('the warm-up program: caps and promotion criteria of each phase')
    .option('--markdown', 'as the Markdown table in docs/warm-up-program.md')
    .action((opts: { markdown?: boolean }) => {
      ctx.io.out(`${opts.markdown ? phaseTableMarkdown() : table(PHASE_TABLE_HEADERS, phaseTableRows())}\n`);
    });

  program
    .command('forecast')
    .description('simulate a fleet through the program (no Temporal, no database): phase days, messages, Temporal actions and cost, stalls')
    .requiredOption('--chips <n>', 'fleet size', parseChips)
    .option(
      '--reply-rate <r>',
      'chance each message gets an answer; the first unanswered one ends the conversation (1 = scripted dialogues, as in production)',
      parseReplyRate,
      1,
    )
    .option('--days <d>', 'program days to simulate', parseDays, 30)
    .option('--seed <s>', 'random seed (same seed, same forecast)', parseSeed, 1)
    .option('--json', 'machine-readable output')
    .action((opts: { chips: number; replyRate: number; days: number; seed: number; json?: boolean }) => forecastCommand(ctx, opts));

  program
    .command('console')
    .description("the operator's web console: fleet and chip pages with charts, pause/resume/retire")
    .option(
      '--host <host>',
      'interface to listen on (default 127.0.0.1, or WARMER_CONSOLE_HOST); other than loopback needs WARMER_CONSOLE_TOKEN for actions',
    )
    .option('--port <port>', 'port (default 8090, or WARMER_CONSOLE_PORT; 0 picks a free one)')
    .action((opts: { host?: string; port?: string }) => consoleCommand(ctx, opts));

  program
    .command('schedules')
    .description('Temporal Schedules of the fleet jobs')
    .command('sync')
    .description('create or update the daily summary and weekly pair rotation schedules')
    .action(() => schedulesSyncCommand(ctx));

  program
    .command('db')
    .description('the database schema')
    .command('migrate')
    .description('apply the missing migrations of supabase/migrations (PostgreSQL or embedded); the worker does it at start too')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => dbMigrateCommand(ctx, opts));

  return program;
}

/** Runs one command line; returns the exit code (never throws). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io?: CliIo): Promise<number> {
  const ctx = new CliContext(env, io ?? { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end with exitCode 0; anything else commander refuses is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // A failure that came back from Temporal carrying a code is told as that typed error.
    const typed = revivedFailure(err);
    const message = typed?.message ?? (err instanceof Error ? err.message : String(err));
    ctx.io.err(`error: ${typed ? `${typed.code}: ` : ''}${message}\n`);
    return typed ? ERROR_TABLE[typed.code].exitCode : EXIT.failure;
  } finally {
    await ctx.close();
  }
}
