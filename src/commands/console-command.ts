/** `warmer console`: serves the operator's console until Ctrl-C (src/console/server.ts). */
import type { Client } from '@temporalio/client';
import { connectTemporal } from '../app/context';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { InvalidInput } from '../domain/errors';
import { startConsole } from '../console/server';
import type { CliContext } from './context';

export async function consoleCommand(ctx: CliContext, opts: { host?: string; port?: string }, until?: Promise<unknown>): Promise<void> {
  const config = ctx.config();
  const port = opts.port === undefined ? config.console.port : Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidInput(`--port ${opts.port} must be a port number (0-65535).`);
  const db = await ctx.db();
  // Connected on first use and kept; a Temporal that is down only costs the live status and actions.
  let client: Promise<Client> | undefined;
  const temporal = () => {
    client ??= connectTemporal(config).then(
      (t) => t.client,
      (err: unknown) => {
        client = undefined;
        throw err;
      },
    );
    return client;
  };
  const server = await startConsole({
    db,
    temporal,
    settings: { dayMs: config.program.dayMs, epochMs: config.program.epochMs ?? DEFAULT_PROGRAM_EPOCH_MS },
    temporalUiUrl: config.console.temporalUiUrl,
    namespace: config.temporal.namespace,
    host: opts.host ?? config.console.host,
    port,
    token: config.console.token,
    apiToken: config.console.apiToken,
    allowedHosts: config.console.hosts,
    trustedProxies: config.console.trustedProxies,
    onboarding: { taskQueue: config.temporal.taskQueue, settings: config.onboarding },
    log: (level, message, fields) => ctx.io.err(`[console] ${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}\n`),
  });
  const access = config.console.token
    ? 'token required (WARMER_CONSOLE_TOKEN): open /?token=<token> once'
    : server.loopbackOnly
      ? 'loopback only: actions need no token'
      : 'not loopback and no WARMER_CONSOLE_TOKEN: pages are read-only, actions are refused';
  ctx.io.out(`Warmer console on ${server.url} (${access}). Ctrl-C stops it.\n`);
  await (until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }));
  await server.close();
  if (client) await client.then((c) => c.connection.close()).catch(() => undefined);
}
