/**
 * What a CLI command needs, opened lazily and only when needed: the config, a Temporal client, the
 * database. With the embedded database, a running `npm run dev` owns the files: the CLI then goes
 * through the dev stack's bridge (src/dev/db-bridge.ts) and takes its settings. WARMER_DEV_DIR
 * points it at another dev folder's stack. A command never creates a database it did not find.
 */
import { selectDbDriver, type Db } from '../adapters/db';
import { embeddedDbExists } from '../adapters/db/embedded';
import { connectTemporal, openDb, type TemporalHandles } from '../app/context';
import { loadConfig, type WarmerConfig } from '../config';
import { ConfigError } from '../domain/errors';
import { devStackFile, readLiveDevStack, remoteDb, type DevStackInfo } from '../dev/db-bridge';

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
      const embedded = selectDbDriver(config.db) === 'embedded';
      // Opening an embedded folder that holds nothing would create an empty database and answer an empty fleet.
      if (embedded && !embeddedDbExists(config.db.dataDir)) throw new ConfigError(noDatabaseFound(config.db.dataDir));
      const db = openDb(config);
      // An embedded database left by an earlier `npm run dev` may predate a migration; a server database is migrated by the worker.
      if (embedded) await db.migrate();
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

/** Names what was looked for and how to point the CLI at a database. */
export function noDatabaseFound(dataDir: string): string {
  return (
    'No database found: DATABASE_URL and SUPABASE_URL/SUPABASE_SERVICE_ROLE_KEY are not set, ' +
    `no running 'npm run dev' serves ${dataDir} (no live ${devStackFile(dataDir)}), and ${dataDir} holds no embedded database. ` +
    "Point the CLI at one: DATABASE_URL (PostgreSQL), SUPABASE_URL with SUPABASE_SERVICE_ROLE_KEY (Supabase), or WARMER_DEV_DIR=<the folder of a running 'npm run dev'> " +
    "(WARMER_DATA_DIR if its database lives elsewhere). 'warmer db migrate' creates an embedded database there."
  );
}
