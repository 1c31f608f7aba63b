/**
 * The Supabase driver on its wire contract: a local HTTP server plays PostgREST, checks what
 * supabase-js sends for each port call, and answers with PostgREST-shaped results and errors.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, selectDbDriver } from '../../../src/adapters/db';
import type { Db } from '../../../src/adapters/db/port';
import { createSupabaseDb } from '../../../src/adapters/db/supabase';
import {
  ChipNotFound,
  ConfigError,
  DuplicateChip,
  InvalidInput,
  InvalidPhone,
  OutsideFleet,
  isWarmerError,
} from '../../../src/domain/errors';
import { UnknownPhase } from '../../../src/domain/phases';

const SERVICE_ROLE_KEY = 'service-role-key-for-tests';

interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}
interface Answer {
  status: number;
  body?: unknown;
}

/** PostgREST as the driver sees it: one answer per function name, every request recorded. */
class FakePostgrest {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      this.received.push({ method: req.method ?? '', path, headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      const fn = /^\/rest\/v1\/rpc\/([a-z_]+)/.exec(path)?.[1] ?? '';
      const answer = this.answers.get(fn) ?? {
        status: 404,
        body: { code: 'PGRST202', message: `Could not find the function public.${fn} in the schema cache`, details: null, hint: null },
      };
      if (answer.body === undefined) {
        res.writeHead(answer.status).end();
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.body));
    });
  });

  answer(fn: string, status: number, body?: unknown): void {
    this.answers.set(fn, { status, body });
  }

  fail(fn: string, status: number, code: string, message: string, details: string | null = null): void {
    this.answer(fn, status, { code, message, details, hint: null });
  }

  last(): Received {
    const r = this.received[this.received.length - 1];
    if (!r) throw new Error('no request received');
    return r;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // keep-alive sockets would hold close() open
    return closed;
  }
}

/** A warmup_chips row the way PostgREST serializes it (timestamptz with offset, numeric as number). */
function chipRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '6f1c2a9e-1b2c-4d3e-8f90-a1b2c3d4e5f6',
    telefone: '5511988880001',
    instance_name: 'chip-01',
    fleet_id: 'ops',
    status: 'warming',
    fase_warmup: 'expansao',
    fase_iniciada_em: '2025-03-03T12:00:00.123456+00:00',
    health_score: 72,
    msgs_enviadas_total: 10,
    msgs_recebidas_total: 9,
    msgs_respondidas_total: 5,
    taxa_resposta: 0.5,
    pause_reason: null,
    ready_at: null,
    created_at: '2025-02-28T09:30:00+00:00',
    updated_at: '2025-03-03T12:00:00.123456+00:00',
    ...overrides,
  };
}

describe('Supabase driver (PostgREST wire contract)', () => {
  const postgrest = new FakePostgrest();
  let url: string;
  let db: Db;

  beforeAll(async () => {
    url = await postgrest.start();
    db = createSupabaseDb({ url, serviceRoleKey: SERVICE_ROLE_KEY });
  });
  afterAll(async () => {
    await db?.close();
    await postgrest.stop();
  });

  it('calls the SQL function through POST /rest/v1/rpc with the service role key and named JSON arguments', async () => {
    postgrest.answer('warmup_register_chip', 200, [chipRow()]);
    const chip = await db.registerChip({ phone: '+55 11 98888-0001', instanceName: 'chip-01', fleetId: 'ops' });

    const req = postgrest.last();
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/rest/v1/rpc/warmup_register_chip');
    expect(req.headers.apikey).toBe(SERVICE_ROLE_KEY);
    expect(req.headers.authorization).toBe(`Bearer ${SERVICE_ROLE_KEY}`);
    expect(req.headers['content-type']).toMatch(/^application\/json/);
    expect(req.body).toEqual({ p_phone: '5511988880001', p_instance_name: 'chip-01', p_fleet_id: 'ops' });

    expect(chip).toEqual({
      id: '6f1c2a9e-1b2c-4d3e-8f90-a1b2c3d4e5f6',
      phone: '5511988880001',
      instanceName: 'chip-01',
      fleetId: 'ops',
      status: 'warming',
      phase: 'expansao',
      phaseStartedAt: '2025-03-03T12:00:00.123Z',
      healthScore: 72,
      messagesSent: 10,
      messagesReceived: 9,
      replyRate: 0.5,
      pauseReason: null,
      readyAt: null,
      createdAt: '2025-02-28T09:30:00.000Z',
    });
  });

  it('sends every port call to its function with its arguments, and reads scalar, void and table results', async () => {
    postgrest.answer('warmup_promote_chip', 200, [
      chipRow({ fase_warmup: 'operacao', status: 'ready', ready_at: '2025-03-24T12:00:00+00:00' }),
    ]);
    const ready = await db.promoteChip({
      chipId: 'c1',
      from: 'pre_operacao',
      to: 'operacao',
      health: 90,
      replyRate: 0.4,
      at: '2025-03-24T12:00:00.000Z',
    });
    expect(postgrest.last().body).toEqual({
      p_chip_id: 'c1',
      p_from: 'pre_operacao',
      p_to: 'operacao',
      p_health: 90,
      p_reply_rate: 0.4,
      p_at: '2025-03-24T12:00:00.000Z',
    });
    expect(ready).toMatchObject({ phase: 'operacao', status: 'ready', readyAt: '2025-03-24T12:00:00.000Z' });

    postgrest.answer('warmup_begin_turn', 200, 'new');
    expect(
      await db.beginTurn({
        key: 'conv/0',
        conversationId: 'conv',
        turn: 0,
        senderId: 'a',
        receiverId: 'b',
        at: '2025-03-03T12:00:00.000Z',
      }),
    ).toBe('new');
    expect(postgrest.last().body).toEqual({
      p_key: 'conv/0',
      p_conversation_id: 'conv',
      p_turn: 0,
      p_sender_id: 'a',
      p_receiver_id: 'b',
      p_at: '2025-03-03T12:00:00.000Z',
      p_day: null,
    });

    postgrest.answer('warmup_record_provider_event', 200, false);
    expect(
      await db.recordProviderEvent({ chipId: 'a', kind: 'delivery_failed', at: '2025-03-03T12:00:00.000Z', key: 'delivery_failed:m' }),
    ).toBe(false);
    postgrest.answer('warmup_fleet_breaker_open', 200, true);
    expect(await db.fleetBreakerOpen({ chipId: 'a' })).toBe(true);
    expect(postgrest.last().body).toEqual({ p_fleet_id: null, p_chip_id: 'a' });

    postgrest.answer('warmup_complete_turn', 204);
    await expect(
      db.completeTurn({ key: 'conv/0', providerMessageId: 'wamid.1', textLength: 12, at: '2025-03-03T12:00:01.000Z' }),
    ).resolves.toBeUndefined();
    expect(postgrest.last().path).toBe('/rest/v1/rpc/warmup_complete_turn');

    postgrest.answer('warmup_record_health', 200, null);
    await db.recordHealth({ chipId: 'c1', score: 80, factors: { delivery: 0.9 }, at: '2025-03-03T12:00:00.000Z' });
    expect(postgrest.last().body).toEqual({ p_chip_id: 'c1', p_score: 80, p_factors: { delivery: 0.9 }, p_at: '2025-03-03T12:00:00.000Z' });

    postgrest.answer('warmup_resolve_alerts', 200, 2);
    expect(await db.resolveAlerts({ chipId: null, kind: 'fleet_breaker' })).toBe(2);
    expect(postgrest.last().body).toEqual({ p_chip_id: null, p_match_chip: true, p_kind: 'fleet_breaker' });
    expect(await db.resolveAlerts({})).toBe(2);
    expect(postgrest.last().body).toEqual({ p_chip_id: null, p_match_chip: false, p_kind: null });

    postgrest.answer('warmup_count_provider_events', 200, 3);
    expect(
      await db.countProviderEvents({ kinds: ['delivery_failed', 'disconnected'], since: '2025-03-03T11:00:00.000Z', distinctChips: true }),
    ).toBe(3);
    expect(postgrest.last().body).toEqual({
      p_kinds: ['delivery_failed', 'disconnected'],
      p_since: '2025-03-03T11:00:00.000Z',
      p_chip_id: null,
      p_distinct_chips: true,
      p_fleet_id: null,
    });

    postgrest.answer('warmup_plan_candidates', 200, [
      {
        chip_id: 'p1',
        phone: '5511977770001',
        instance_name: 'chip-p1',
        phase: 'expansao',
        interactions_today: 4,
        health: 71,
        quarantined: true,
        cap_today: 22,
        claimed_today: 3,
        in_conversation: false,
      },
    ]);
    expect(
      await db.planCandidates({ chipId: 'c1', day: '2025-03-03', maxDailyInteractions: 15, busySince: '2025-03-03T11:00:00.000Z' }),
    ).toEqual([
      {
        chipId: 'p1',
        phone: '5511977770001',
        instanceName: 'chip-p1',
        phase: 'expansao',
        interactionsToday: 4,
        health: 71,
        quarantined: true,
        capToday: 22,
        claimedToday: 3,
        inConversation: false,
      },
    ]);
    expect(postgrest.last().body).toEqual({
      p_chip_id: 'c1',
      p_day: '2025-03-03',
      p_max_daily_interactions: 15,
      p_busy_since: '2025-03-03T11:00:00.000Z',
    });

    postgrest.answer('warmup_record_standing', 200, true);
    expect(
      await db.recordStanding({
        chipId: 'c1',
        rampLevel: 1,
        rampDay: '2025-03-03',
        rampReason: '3 falhas de entrega',
        quarantined: true,
        quarantineReason: 'alerta recente',
        at: '2025-03-03T12:00:00.000Z',
      }),
    ).toBe(true);
    expect(postgrest.last().body).toEqual({
      p_chip_id: 'c1',
      p_ramp_level: 1,
      p_ramp_day: '2025-03-03',
      p_ramp_reason: '3 falhas de entrega',
      p_quarantined: true,
      p_quarantine_reason: 'alerta recente',
      p_at: '2025-03-03T12:00:00.000Z',
    });
    postgrest.answer('warmup_chip_standings', 200, [
      {
        chip_id: 'c1',
        instance_name: 'chip-c1',
        phone: '5511977770002',
        fleet_id: 'f',
        phase: 'expansao',
        status: 'warming',
        cap_today: 22,
        phase_cap: 30,
        ramp_reason: '3 falhas de entrega',
        ramp_day: '2025-03-03',
        quarantined: false,
        quarantine_reason: null,
      },
    ]);
    expect(await db.chipStandings({ day: '2025-03-04' })).toEqual([
      expect.objectContaining({ chipId: 'c1', capToday: 22, phaseCap: 30, rampDay: '2025-03-03', quarantined: false }),
    ]);
    expect(postgrest.last().body).toEqual({ p_day: '2025-03-04' });

    postgrest.answer('warmup_rotate_pairs', 200, [{ deactivated: 6, created: 5 }]);
    expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 10, at: '2025-03-10T03:00:00.000Z', seed: 42 })).toEqual({
      deactivated: 6,
      created: 5,
    });

    postgrest.answer('warmup_daily_summary', 200, [{ warming: 3, paused: 1, ready: 2, banned: 0, average_health: 67.5, open_alerts: 4 }]);
    expect(await db.dailySummary()).toEqual({ warming: 3, paused: 1, ready: 2, banned: 0, averageHealth: 67.5, openAlerts: 4 });
    expect(postgrest.last().body).toEqual({});

    postgrest.answer('warmup_open_alert', 200, [
      {
        id: 'al-1',
        chip_id: null,
        severity: 'critical',
        kind: 'fleet_breaker',
        message: 'm',
        resolved: false,
        created_at: '2025-03-03T12:00:00+00:00',
      },
    ]);
    expect(await db.openAlert({ chipId: null, severity: 'critical', kind: 'fleet_breaker', message: 'm', key: 'k' })).toEqual({
      id: 'al-1',
      chipId: null,
      severity: 'critical',
      kind: 'fleet_breaker',
      message: 'm',
      resolved: false,
      createdAt: '2025-03-03T12:00:00.000Z',
    });

    postgrest.answer('warmup_find_chip', 200, []);
    expect(await db.findChipByInstance('nobody')).toBeNull();
    expect(postgrest.last().body).toEqual({ p_instance_name: 'nobody', p_phone: null });
  });

  it('maps PostgREST errors to the same typed errors as the other drivers', async () => {
    const cases: {
      fn: string;
      status: number;
      code: string;
      message: string;
      details?: string;
      call: () => Promise<unknown>;
      type: unknown;
    }[] = [
      {
        fn: 'warmup_get_chip',
        status: 400,
        code: 'WR001',
        message: "ChipNotFound: no chip with id 'x'. List the fleet to find the right id.",
        call: () => db.getChip('x'),
        type: ChipNotFound,
      },
      {
        fn: 'warmup_register_chip',
        status: 400,
        code: 'WR002',
        message: 'DuplicateChip: phone ***0001 is already registered as chip c1.',
        call: () => db.registerChip({ phone: '5511988880001', instanceName: 'x' }),
        type: DuplicateChip,
      },
      {
        fn: 'warmup_register_chip',
        status: 409,
        code: '23505',
        message: 'duplicate key value violates unique constraint "warmup_chips_telefone_key"',
        call: () => db.registerChip({ phone: '5511988880001', instanceName: 'x' }),
        type: DuplicateChip,
      },
      {
        fn: 'warmup_register_chip',
        status: 400,
        code: 'WR003',
        message: "InvalidPhone: invalid phone '5511': expected E.164 digits.",
        call: () => db.registerChip({ phone: '5511988880001', instanceName: 'x' }),
        type: InvalidPhone,
      },
      {
        fn: 'warmup_set_chip_status',
        status: 400,
        code: 'WR004',
        message: 'InvalidInput: chip c1 is banned, a final status; it cannot become warming.',
        call: () => db.setChipStatus({ chipId: 'c1', status: 'warming' }),
        type: InvalidInput,
      },
      {
        fn: 'warmup_create_conversation',
        status: 400,
        code: 'WR006',
        message: 'OutsideFleet: chips a and b are in different fleets.',
        call: () => db.createConversation({ id: 'c', chipA: 'a', chipB: 'b', dialogueId: 'd', turns: 2, at: '2025-03-03T12:00:00.000Z' }),
        type: OutsideFleet,
      },
      {
        fn: 'warmup_plan_candidates',
        status: 400,
        code: '22P02',
        message: 'invalid input syntax for type date: "x"',
        call: () => db.planCandidates({ chipId: 'a', day: 'x', maxDailyInteractions: 15, busySince: '2025-03-03T12:00:00.000Z' }),
        type: InvalidInput,
      },
    ];
    for (const c of cases) {
      postgrest.fail(c.fn, c.status, c.code, c.message, c.details ?? null);
      const err = await c.call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(c.type as new (...args: never[]) => unknown);
      // The typed error keeps the database's words, without the "ErrorName: " routing prefix.
      expect((err as Error).message.startsWith(c.message.replace(/^[A-Za-z]+: /, ''))).toBe(true);
      expect((err as Error).message).not.toMatch(/^[A-Za-z]+: /);
    }
  });

  it('maps an unknown phase with the phase PostgREST reports in details', async () => {
    postgrest.fail('warmup_promote_chip', 400, 'WR005', "UnknownPhase: unknown phase 'aquecimento'.", 'aquecimento');
    const err = await db
      .promoteChip({ chipId: 'c1', from: 'setup', to: 'aquecimento' as never, health: 1, replyRate: 0, at: '2025-03-03T12:00:00.000Z' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownPhase);
    expect(err).toMatchObject({ code: 'UnknownPhase', phase: 'aquecimento' });
  });

  it('reports a missing schema as a configuration error, and server trouble as a retryable failure', async () => {
    const missing = await db.listChips().catch((e: unknown) => e); // no answer configured: PGRST202, HTTP 404
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/supabase db push/);

    postgrest.fail('warmup_daily_summary', 503, 'PGRST000', 'Could not connect to the database');
    const outage = await db.dailySummary().catch((e: unknown) => e);
    expect(outage).toBeInstanceOf(Error);
    expect(isWarmerError(outage)).toBe(false);
    expect((outage as Error).message).toMatch(/Could not connect/);
  });

  it('refuses an invalid phone before any request, and applies no migration itself', async () => {
    const before = postgrest.received.length;
    await expect(db.registerChip({ phone: 'abc', instanceName: 'x' })).rejects.toBeInstanceOf(InvalidPhone);
    expect(await db.migrate()).toEqual([]);
    expect(postgrest.received.length).toBe(before);
  });

  it('is the driver createDb picks when the Supabase URL and service role key are both set', async () => {
    expect(selectDbDriver({ supabaseUrl: url, supabaseServiceRoleKey: SERVICE_ROLE_KEY, databaseUrl: 'postgres://x' })).toBe('supabase');
    expect(selectDbDriver({ supabaseUrl: url, databaseUrl: 'postgres://x' })).toBe('postgres');
    expect(selectDbDriver({ supabaseServiceRoleKey: SERVICE_ROLE_KEY, dataDir: '/tmp/x' })).toBe('embedded');
    expect(selectDbDriver({})).toBe('embedded');

    const chosen = createDb({ supabaseUrl: url, supabaseServiceRoleKey: SERVICE_ROLE_KEY, databaseUrl: 'postgres://127.0.0.1:1/none' });
    postgrest.answer('warmup_get_chip', 200, [chipRow()]);
    expect((await chosen.getChip('6f1c2a9e-1b2c-4d3e-8f90-a1b2c3d4e5f6')).instanceName).toBe('chip-01');
    expect(postgrest.last().path).toBe('/rest/v1/rpc/warmup_get_chip');
    await chosen.close();
  });

  it('fails retryably when PostgREST cannot be reached', async () => {
    const unreachable = createSupabaseDb({ url: 'http://127.0.0.1:1', serviceRoleKey: SERVICE_ROLE_KEY });
    const err = await unreachable.dailySummary().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isWarmerError(err)).toBe(false);
  });

  // ---- profile checklist ----
  it('sends the profile checklist calls with their arguments and reads the jsonb and table answers', async () => {
    const row = {
      step: 'photo',
      done_at: '2025-03-03T12:00:00.123456+00:00',
      done_by: 'operator',
      attempts: 0,
      last_error: null,
      last_attempt_at: null,
    };
    postgrest.answer('warmup_begin_profile_steps', 200, { fleet_id: 'ops', name: 'Ana Silva', about: null, steps: [row] });
    expect(await db.beginProfileSteps({ chipId: 'c1', nameCandidates: ['Ana Silva'], aboutCandidates: [] })).toEqual({
      fleetId: 'ops',
      name: 'Ana Silva',
      about: null,
      steps: [{ step: 'photo', doneAt: '2025-03-03T12:00:00.123Z', doneBy: 'operator', attempts: 0, lastError: null, lastAttemptAt: null }],
    });
    expect(postgrest.last().body).toEqual({ p_chip_id: 'c1', p_name_candidates: ['Ana Silva'], p_about_candidates: [] });

    postgrest.answer('warmup_record_profile_steps', 200, [row]);
    await db.recordProfileSteps({
      chipId: 'c1',
      results: [{ step: 'name', ok: false, error: 'HTTP 500' }],
      at: '2025-03-03T12:00:00.000Z',
    });
    // An object, not a bare list: PostgREST and pg pass it to jsonb alike.
    expect(postgrest.last().body).toEqual({
      p_chip_id: 'c1',
      p_results: { results: [{ step: 'name', ok: false, error: 'HTTP 500' }] },
      p_at: '2025-03-03T12:00:00.000Z',
    });

    postgrest.answer('warmup_mark_profile_step', 200, [row]);
    expect(await db.markProfileStep({ chipId: 'c1', step: 'photo', action: 'done', actor: 'ana', source: 'console' })).toHaveLength(1);
    expect(postgrest.last().body).toEqual({
      p_chip_id: 'c1',
      p_step: 'photo',
      p_action: 'done',
      p_actor: 'ana',
      p_reason: null,
      p_source: 'console',
    });
  });
  // ---- end profile checklist ----
});
