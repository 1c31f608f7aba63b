import { PassThrough } from 'node:stream';
import { createLogger, parseLogLevel, PinoTemporalLogger } from '../../src/observability/logger';
import { metrics, metricsText, pauseCause } from '../../src/observability/metrics';

const PHONE = '5511987654321';

function capture(level: 'debug' | 'info' | 'warn' = 'info') {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ level, destination: stream }), lines };
}

describe('structured logs', () => {
  it('writes one JSON object per line with level, time and masked phone fields, at any depth', () => {
    const { logger, lines } = capture();
    logger.info({ chipId: 'c-1', phone: '5511999990001', partner: { fromPhone: '+55 11 98888-7777' }, turns: 3 }, 'conversation finished');
    logger.debug('below the level: dropped');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'conversation finished',
      chipId: 'c-1',
      phone: '***0001',
      partner: { fromPhone: '***7777' },
      turns: 3,
    });
    expect(Date.parse(String(lines[0]!.time))).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toContain('99990001');
  });

  it("forwards the Temporal runtime's lines to the same logger, with the chip id of a chip workflow", () => {
    const { logger, lines } = capture('debug');
    const temporal = new PinoTemporalLogger(logger);
    temporal.warn('Workflow task failed', { workflowId: 'chip-warmup/abc-123', sdkComponent: 'worker', at: 10n });
    temporal.debug('polling', { taskQueue: 'warmer' });
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'Workflow task failed', chipId: 'abc-123', source: 'temporal', at: '10' });
    expect(lines[1]).toMatchObject({ level: 'debug', msg: 'polling', taskQueue: 'warmer' });
  });

  it('scrubs a phone number from the message, any field, arrays, child bindings and any depth, whatever the key', () => {
    const { logger, lines } = capture();
    logger.child({ instance: `loja-${PHONE}` }).info(
      {
        partner: `${PHONE}@s.whatsapp.net`,
        to: Number(PHONE),
        jid: `${PHONE}:12@s.whatsapp.net`,
        list: [PHONE, [`+55 11 98765-4321`], { note: `ligar ${PHONE}` }],
        a: { b: { c: { d: { e: { f: { g: `tel ${PHONE}` } } } } } },
        // Ids and times with long digit runs are not phones.
        chipId: '12345678-1234-4234-8234-123456789012',
        eventId: 'evt_5f0c1234567890abcdef1234567890ab',
        when: '2026-03-01 12:00:00',
        ns: '1767225600000000000',
      },
      `mensagem para ${PHONE} e (11) 98765-4321`,
    );
    const [line] = lines;
    expect(line).toMatchObject({
      instance: 'loja-***4321',
      msg: 'mensagem para ***4321 e ***4321',
      partner: '***4321@s.whatsapp.net',
      to: '***4321',
      list: ['***4321', ['***4321'], { note: 'ligar ***4321' }],
      a: { b: { c: { d: { e: { f: { g: 'tel ***4321' } } } } } },
      chipId: '12345678-1234-4234-8234-123456789012',
      eventId: 'evt_5f0c1234567890abcdef1234567890ab',
      when: '2026-03-01 12:00:00',
      ns: '1767225600000000000',
    });
    expect(JSON.stringify(lines)).not.toContain('87654321');
  });

  it('logs errors with type, message, code, stack and causes, also through the Temporal logger', () => {
    const { logger, lines } = capture();
    const root = Object.assign(new Error(`getaddrinfo ENOTFOUND for ${PHONE}`), { code: 'ENOTFOUND' });
    const err = Object.assign(new TypeError('fetch failed', { cause: root }), { status: 503 });
    logger.error({ err }, 'send failed');
    logger.error(err);
    new PinoTemporalLogger(logger).warn('Activity failed', { error: err, durationMs: 5 });
    const expected = {
      type: 'TypeError',
      message: 'fetch failed',
      status: 503,
      stack: expect.stringMatching(/^TypeError: fetch failed\n\s+at /),
      cause: { type: 'Error', message: 'getaddrinfo ENOTFOUND for ***4321', code: 'ENOTFOUND', stack: expect.stringContaining('***4321') },
    };
    expect(lines[0]).toMatchObject({ msg: 'send failed', err: expected });
    expect(lines[1]).toMatchObject({ msg: 'fetch failed', err: expected });
    expect(lines[2]).toMatchObject({ msg: 'Activity failed', source: 'temporal', error: expected });
    expect(JSON.stringify(lines)).not.toContain(PHONE);
  });

  it('bounds a chain of causes and survives a cycle', () => {
    const { logger, lines } = capture();
    let err: Error = new Error('root');
    for (let i = 0; i < 10; i++) err = new Error(`level ${i}`, { cause: err });
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    logger.error({ err, cyclic }, 'deep');
    let depth = 0;
    for (let e = lines[0]!.err as { cause?: unknown }; typeof e === 'object' && e.cause; e = e.cause as { cause?: unknown }) depth++;
    expect(depth).toBeLessThanOrEqual(6);
    expect(lines[0]!.cyclic).toEqual({ name: 'x', self: '[circular]' });
  });

  it('never prints the credentials of a URL', () => {
    const { logger, lines } = capture();
    logger.warn({ url: 'https://admin:s3cr3t@evolution.example/x' }, 'could not reach postgres://warmer:pg-pass@db:5432/warmer');
    expect(lines[0]).toMatchObject({ url: 'https://***@evolution.example/x', msg: 'could not reach postgres://***@db:5432/warmer' });
    expect(JSON.stringify(lines)).not.toMatch(/s3cr3t|pg-pass/);
  });

  it('scrubs phone numbers from metric label values', async () => {
    metrics.breakerTrips.inc({ fleet: `loja-${PHONE}` });
    const text = await metricsText(async () => `sdk_metric{task_queue="q-${PHONE}"} 1\n`);
    expect(text).toContain('warmer_fleet_breaker_trips_total{fleet="loja-***4321"} 1');
    expect(text).toContain('sdk_metric{task_queue="q-***4321"} 1');
    expect(text).not.toContain(PHONE);
  });

  it('reads LOG_LEVEL and names the valid levels when it is wrong', () => {
    expect(parseLogLevel(undefined)).toBe('info');
    expect(parseLogLevel(' DEBUG ')).toBe('debug');
    expect(() => parseLogLevel('loud')).toThrow(/LOG_LEVEL=loud .*trace, debug, info, warn, error/);
  });

  it('tells the cause of a pause from who paused, or from the reason the workflow wrote', () => {
    expect(pauseCause('anything', 'fleet_breaker')).toBe('fleet_breaker');
    expect(pauseCause('disjuntor da frota')).toBe('fleet_breaker');
    expect(pauseCause('instância desconectada')).toBe('provider');
    expect(pauseCause('3 falhas de entrega hoje')).toBe('early_warning');
    expect(pauseCause('checking')).toBe('operator');
  });
});
