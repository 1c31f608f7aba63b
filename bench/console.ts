/**
 * The console's fleet page for 100 and 1,000 chips: each fleet is seeded straight into a scratch
 * PostgreSQL database (chips of every phase, health per day, conversations with today's messages,
 * alerts), then the page is requested over HTTP like a browser would, and the server-side parts are
 * timed on their own (the one database call, the HTML rendering).
 *
 *   npx tsx bench/console.ts [--sizes 100,1000] [--runs 10] [--embedded]
 *
 * --embedded measures the embedded database (PGlite) as well. Prints figures, writes
 * bench/results/console.json. Target: under 1 s for 1,000 chips.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { createEmbeddedDb, openEmbeddedSql } from '../src/adapters/db/embedded';
import type { Db } from '../src/adapters/db/port';
import { createPostgresDb } from '../src/adapters/db/postgres';
import { fleetPageData, programDayStart } from '../src/console/data';
import { renderFleetPage } from '../src/console/fleet-page';
import { startConsole } from '../src/console/server';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../src/domain/clock';
import { createScratchDatabase } from '../test/helpers/db-scratch';
import { seedFleet } from '../test/helpers/seed-fleet';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const sizes = arg('sizes', '100,1000').split(',').map(Number);
const runs = Number(arg('runs', '10'));
const withEmbedded = argv.includes('--embedded');
const settings = { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS };

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const round = (ms: number) => Math.round(ms * 10) / 10;

interface Figures {
  driver: string;
  chips: number;
  rows: { messages: number; healthLog: number };
  httpMs: { p50: number; max: number };
  queryMs: { p50: number; max: number };
  renderMs: { p50: number; max: number };
  htmlKiB: number;
  seedMs: number;
}

async function measure(
  driver: string,
  db: Db,
  sql: (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>,
  chips: number,
): Promise<Figures> {
  const fleetId = `bench-${chips}`;
  const now = Date.now();
  const seedStart = performance.now();
  await seedFleet(sql, {
    fleetId,
    chips,
    dayMs: settings.dayMs,
    nowMs: now,
    todayStartMs: Date.parse(programDayStart(settings, now)),
    phonePrefix: `55${String(chips).padStart(4, '1')}9`,
  });
  const seedMs = performance.now() - seedStart;
  const [counts] = await sql(
    `select (select count(*) from warmup_interactions)::int as messages, (select count(*) from warmup_health_log)::int as health`,
  );
  const server = await startConsole({
    db,
    temporal: () => Promise.reject(new Error('no Temporal in this benchmark')),
    settings,
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    port: 0,
  });
  const http: number[] = [];
  const query: number[] = [];
  const render: number[] = [];
  let html = '';
  try {
    for (let i = 0; i < runs + 1; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/?fleet=${fleetId}&refresh=0`);
      html = await res.text();
      if (res.status !== 200 || (html.match(/<tr data-chip=/g) ?? []).length !== chips)
        throw new Error(`fleet page answered ${res.status} without ${chips} rows`);
      const t1 = performance.now();
      const data = await fleetPageData(db, settings, { fleetId });
      const t2 = performance.now();
      renderFleetPage(data, { temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default' });
      const t3 = performance.now();
      if (i === 0) continue; // the first run warms caches and the query plan
      http.push(t1 - t0);
      query.push(t2 - t1);
      render.push(t3 - t2);
    }
  } finally {
    await server.close();
  }
  return {
    driver,
    chips,
    rows: { messages: Number(counts!.messages), healthLog: Number(counts!.health) },
    httpMs: { p50: round(pct(http, 50)), max: round(Math.max(...http)) },
    queryMs: { p50: round(pct(query, 50)), max: round(Math.max(...query)) },
    renderMs: { p50: round(pct(render, 50)), max: round(Math.max(...render)) },
    htmlKiB: Math.round(Buffer.byteLength(html) / 1024),
    seedMs: Math.round(seedMs),
  };
}

async function main(): Promise<void> {
  const figures: Figures[] = [];
  for (const chips of sizes) {
    const scratch = await createScratchDatabase();
    const db = createPostgresDb({ databaseUrl: scratch.url });
    const pool = new Pool({ connectionString: scratch.url, max: 2 });
    try {
      await db.migrate();
      figures.push(await measure('postgres', db, async (text, params) => (await pool.query(text, params)).rows, chips));
    } finally {
      await pool.end();
      await db.close();
      await scratch.drop();
    }
    if (withEmbedded) {
      const client = openEmbeddedSql();
      const embedded = createEmbeddedDb({ client });
      try {
        await embedded.migrate();
        figures.push(await measure('embedded', embedded, (text, params) => client.query(text, params), chips));
      } finally {
        await client.close();
      }
    }
    const f = figures[figures.length - 1]!;
    console.log(`[bench] ${f.chips} chips (${f.driver}) measured`);
  }
  console.log('\nFleet page render time (GET / over HTTP: one database call + HTML), after one warm-up request');
  console.log('driver     chips  messages  HTTP p50  HTTP max  query p50  render p50  HTML');
  for (const f of figures) {
    console.log(
      `${f.driver.padEnd(9)} ${String(f.chips).padStart(6)}  ${String(f.rows.messages).padStart(8)}  ${`${f.httpMs.p50} ms`.padStart(8)}  ${`${f.httpMs.max} ms`.padStart(8)}  ${`${f.queryMs.p50} ms`.padStart(9)}  ${`${f.renderMs.p50} ms`.padStart(10)}  ${f.htmlKiB} KiB`,
    );
  }
  const result = {
    command: `npx tsx bench/console.ts --sizes ${sizes.join(',')} --runs ${runs}${withEmbedded ? ' --embedded' : ''}`,
    target: 'fleet page for 1,000 chips in under 1 s',
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
      node: process.version,
    },
    at: new Date().toISOString(),
    figures,
  };
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'console.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.join(dir, 'console.json')}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
