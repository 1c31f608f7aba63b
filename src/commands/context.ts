/**
 * What a CLI command needs, opened lazily and only when needed: the config, a Temporal client, the
 * database. With the embedded database, a running `npm run dev` owns the files: the CLI then goes
 * through the dev stack's bridge (src/dev/db-bridge.ts) and takes its settings.
 */
import { selectDbDriver, type Db } from '../adapters/db';
import { connectTemporal, openDb, type TemporalHandles } from '../app/context';
import { loadConfig, type WarmerConfig } from '../config';
import { ConfigError } from '../domain/errors';
import { readLiveDevStack, remoteDb, type DevStackInfo } from '../dev/db-bridge';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export class CliContext {
  private cachedConfig?: WarmerConfig;
  private devStack?: DevStackInfo;
  private temporalHandles?: Promise<TemporalHandles>;
  private database?: Promise<Db>;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly io: CliIo,
  ) {}

  config(): WarmerConfig {
    if (this.cachedConfig) return this.cachedConfig;
    let config = loadConfig(this.env);
    if (selectDbDriver(config.db) === 'embedded') {
      this.devStack = readLiveDevStack(config.db.dataDir);
      // The dev stack's clock and server, unless this shell says otherwise.
      if (this.devStack) config = loadConfig({ ...this.devStack.env, ...this.env });
    }
    this.cachedConfig = config;
    return config;
  }

  /** True when a running `npm run dev` owns the embedded database (it migrated it at start). */
  devStackRunning(): boolean {
    this.config();
    return this.devStack !== undefined;
  }

  temporal(): Promise<TemporalHandles> {
    const config = this.config();
    this.temporalHandles ??= connectTemporal(config).catch((err: unknown) => {
      throw new ConfigError(
        `Cannot reach Temporal at ${config.temporal.address} (namespace ${config.temporal.namespace}): ${(err as Error).message}. ` +
          'Start it (npm run dev) or set TEMPORAL_ADDRESS.',
      );
    });
    return this.temporalHandles;
  }

  db(): Promise<Db> {
    const config = this.config();
    this.database ??= (async () => {
      if (this.devStack) return remoteDb(this.devStack);
      const db = openDb(config);
      // The embedded database is local and may be brand new; a server database is migrated by the worker.
      if (selectDbDriver(config.db) === 'embedded') await db.migrate();
      return db;
    })();
    return this.database;
  }

  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.temporalHandles) closing.push(this.temporalHandles.then((t) => t.connection.close()).catch(() => undefined));
    if (this.database) closing.push(this.database.then((d) => d.close()).catch(() => undefined));
    await Promise.all(closing);
  }
}
