/**
 * The chip page's "Perfil" card over real HTTP and the embedded database: the checklist step by step,
 * who did each step, attempts and the last provider error, and `perfil: x/5`.
 */
import type { Db } from '../../src/adapters/db/port';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';
import { startConsole, type ConsoleServer } from '../../src/console/server';
import { profileCard } from '../../src/console/profile-card';
import { aChip } from '../helpers/db-fixtures';

let db: Db;
let closeDb: () => Promise<void>;
let server: ConsoleServer;

beforeAll(async () => {
  const client = openEmbeddedSql();
  db = createEmbeddedDb({ client });
  closeDb = () => client.close();
  await db.migrate();
  server = await startConsole({
    db,
    temporal: async () => Promise.reject(new Error('no Temporal in this test')),
    settings: { dayMs: 86_400_000, epochMs: 0 },
    temporalUiUrl: 'http://localhost:8233',
    namespace: 'default',
    port: 0,
  });
});
afterAll(async () => {
  await server?.close();
  await closeDb?.();
});

test('the chip page shows its profile checklist: done steps, who did them, and the failing one with its error', async () => {
  const chip = await aChip(db, { fleetId: 'perfil-console' });
  await db.recordProfileSteps({
    chipId: chip.id,
    results: [
      { step: 'settings', ok: true },
      { step: 'privacy', ok: true },
      { step: 'name', ok: false, error: 'ProviderUnavailable: HTTP 500 <script>' },
    ],
    at: new Date().toISOString(),
  });
  await db.markProfileStep({ chipId: chip.id, step: 'photo', action: 'done', actor: 'ana', source: 'console' });
  const res = await fetch(`${server.url}/chips/${chip.id}`);
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain('<h2>Perfil');
  expect(html).toContain('perfil: 3/5');
  expect(html).toMatch(/data-step="settings" data-done="true"><th>configurações da instância<\/th><td>feito .*aplicado pelo chip/);
  expect(html).toMatch(/data-step="photo" data-done="true">.*marcado pelo operador/);
  expect(html).toMatch(/data-step="name" data-done="false"><th>nome do perfil<\/th><td>pendente · 1 tentativa\(s\)/);
  // The provider's error is shown, escaped.
  expect(html).toContain('ProviderUnavailable: HTTP 500 &lt;script&gt;');
  expect(html).not.toContain('HTTP 500 <script>');
  // The audit trail names the operator's mark.
  expect(html).toContain('perfil: passo feito à mão');
});

test('with the live view, a pending step says when it is tried next', () => {
  const steps = (['settings', 'privacy', 'name', 'about', 'photo'] as const).map((step) => ({
    step,
    doneAt: null,
    doneBy: null,
    attempts: 0,
    lastError: null,
    lastAttemptAt: null,
  }));
  const html = profileCard(steps, {
    profile: { done: [], total: 5, pending: [{ step: 'photo', dueAt: '2025-03-03T15:00:00.000Z', failures: 0 }], lastError: null },
  } as never);
  expect(html).toContain('perfil: 0/5');
  expect(html).toMatch(/data-step="photo" data-done="false"><th>foto do perfil<\/th><td>pendente · próxima /);
});
