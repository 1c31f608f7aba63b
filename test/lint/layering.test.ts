/**
 * The layers' arrows point down, and `npx eslint .` says so: source texts placed (virtually) in each
 * layer and importing up the layers are reported by the project's lint config; legal imports are not.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';

interface Reported {
  ruleId: string | null;
  messageId?: string;
  message: string;
}

const ROOT = path.resolve(__dirname, '../..');

/** Lints each text as the file at its path (under src/), through ESLint's Node API with the project's config. */
function lint(files: { filePath: string; code: string }[]): Promise<Reported[][]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [path.join(__dirname, 'lint-text.mjs')],
      { cwd: ROOT, timeout: 90_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Reported[][]);
      },
    );
    child.stdin?.end(JSON.stringify(files));
  });
}

/** [where the text is placed, the text, what the rule reports]. */
const UPWARD: [string, string, 'upward' | 'typesOnly' | 'entryPoint'][] = [
  ['src/domain/fixture.ts', "import type { Db } from '../adapters/db/port';", 'upward'],
  ['src/domain/fixture.ts', "export * from '../activities/types';", 'upward'],
  ['src/workflows/fixture.ts', "import { createActivities } from '../activities';", 'typesOnly'],
  ['src/workflows/fixture.ts', "import { listFleet } from '../client/fleet';", 'upward'],
  ['src/adapters/db/ports/fixture.ts', "import type { ChipRef } from '../../../activities/types';", 'upward'],
  ['src/adapters/db/fixture.ts', "import { reserveUpdate } from '../../workflows/api';", 'upward'],
  // An activity reserving a partner with the workflow's own Update (it belongs to the client side).
  ['src/activities/fixture.ts', "import { reserveUpdate } from '../workflows/api';", 'upward'],
  ['src/activities/fixture.ts', "import type { ChipWarmupWorkflow } from '../workflows/chip-warmup';", 'upward'],
  ['src/activities/fixture.ts', "export const load = () => import('../client/fleet');", 'upward'],
  ['src/observability/fixture.ts', "import { createActivities } from '../activities';", 'upward'],
  ['src/client/fixture.ts', "import { startConsole } from '../console/server';", 'upward'],
  ['src/client/fixture.ts', "import { ChipWarmupWorkflow } from '../workflows/chip-warmup';", 'typesOnly'],
  ['src/webhooks/fixture.ts', "import { startConsole } from '../console/server';", 'upward'],
  ['src/presentation/fixture.ts', "import { listFleet } from '../client/fleet';", 'typesOnly'],
  // The console formatting with the CLI's helpers.
  ['src/console/fixture.ts', "import { runCli } from '../commands/program';", 'upward'],
  ['src/console/fixture.ts', "import { createActivities } from '../activities';", 'typesOnly'],
  ['src/console/fixture.ts', "import { createProviderEventBridge } from '../webhooks/bridge';", 'upward'],
  // Entry points, whatever imports them: `../cli` is src/cli.ts; the dev stack's entry.
  ['src/commands/fixture.ts', "import { runCli } from '../cli';", 'entryPoint'],
  ['src/commands/fixture.ts', "import '../schedules';", 'entryPoint'],
  ['src/console/fixture.ts', "import '../dev/main';", 'entryPoint'],
  ['src/app/fixture.ts', "import '../worker';", 'entryPoint'],
  ['src/dev/main.ts', "import '../worker';", 'entryPoint'],
];

const LEGAL: [string, string][] = [
  [
    'src/workflows/fixture.ts',
    "import type { WarmupActivities } from '../activities/types';\nimport { PHASES } from '../domain/phases';\nimport { pauseSignal } from './api';",
  ],
  [
    'src/activities/fixture.ts',
    "import type { Db } from '../adapters/db/port';\nimport { PHASES } from '../domain/phases';\nimport { metrics } from '../observability/metrics';",
  ],
  [
    'src/client/fixture.ts',
    "import type { ChipDirectory } from '../activities/deps';\nimport { pauseSignal } from '../workflows/api';\nimport type { ChipWarmupWorkflow } from '../workflows/chip-warmup';",
  ],
  ['src/console/fixture.ts', "import { listFleet } from '../client/fleet';\nimport { shortId } from '../presentation/text-tables';"],
  [
    'src/commands/fixture.ts',
    "import { syncSchedules } from '../client/schedules';\nimport { startConsole } from '../console/server';\nimport { remoteDb } from '../dev/db-bridge';",
  ],
  [
    'src/dev/main.ts',
    "import { createWarmerWorker } from '../app/temporal-worker';\nimport { syncSchedules } from '../client/schedules';\nimport { fleetTable } from '../presentation/text-tables';",
  ],
];

describe('lint keeps the layers', () => {
  let upward: Reported[][];
  let legal: Reported[][];

  beforeAll(async () => {
    const results = await lint([...UPWARD, ...LEGAL].map(([filePath, code]) => ({ filePath, code: `${code}\n` })));
    upward = results.slice(0, UPWARD.length);
    legal = results.slice(UPWARD.length);
  });

  it('reports every import up the layers, and every import of an entry point', () => {
    const reported = UPWARD.map(([filePath, code], i) => [filePath, code, upward[i]!.map((m) => `${m.ruleId}:${m.messageId}`)]);
    expect(reported).toEqual(UPWARD.map(([filePath, code, messageId]) => [filePath, code, [`warmer/layering:${messageId}`]]));
  });

  it('names both ends and what the importer may import', () => {
    const [message] = upward[UPWARD.findIndex(([f, code]) => f === 'src/activities/fixture.ts' && code.includes('reserveUpdate'))]!;
    expect(message?.message).toBe(
      'Layering: activities may not import src/workflows/api.ts (workflow messages). Arrows point down: activities imports domain, adapters, observability.',
    );
  });

  it('lets imports down the layers through', () => {
    expect(LEGAL.map(([filePath], i) => [filePath, legal[i]])).toEqual(LEGAL.map(([filePath]) => [filePath, []]));
  });
});
