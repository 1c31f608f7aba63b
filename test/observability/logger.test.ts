import { PassThrough } from 'node:stream';
import { createLogger, parseLogLevel, PinoTemporalLogger } from '../../src/observability/logger';
import { pauseCause } from '../../src/observability/metrics';

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
