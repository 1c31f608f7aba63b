import {
  FLEET_BREAKER_DEFAULT,
  type RiskInputs,
  WARNING_THRESHOLDS,
  assessRisk,
  fleetBreakerTripped,
} from '../../src/domain/early-warning';

const healthy: RiskInputs = { deliveryFailuresToday: 0, sentToday: 20, disconnected: false, banned: false };
const risk = (over: Partial<RiskInputs>) => assessRisk({ ...healthy, ...over });

describe('assessRisk', () => {
  test('thresholds are the documented ones', () => {
    expect(WARNING_THRESHOLDS).toEqual({ failuresWarn: 3, failuresCritical: 6, failureRatioCritical: 0.25 });
  });

  test('healthy chip -> ok with no reasons', () => {
    expect(risk({})).toEqual({ level: 'ok', reasons: [] });
    expect(risk({ sentToday: 0 })).toEqual({ level: 'ok', reasons: [] });
  });

  test('banned -> critico, with the reason', () => {
    const r = risk({ banned: true });
    expect(r.level).toBe('critico');
    expect(r.reasons).toEqual(['número banido pelo provedor']);
  });

  test('disconnected -> critico, with the reason', () => {
    const r = risk({ disconnected: true });
    expect(r.level).toBe('critico');
    expect(r.reasons).toEqual(['instância desconectada']);
  });

  test('banned and disconnected with failures lists every reason', () => {
    const r = risk({ banned: true, disconnected: true, deliveryFailuresToday: 4, sentToday: 100 });
    expect(r.level).toBe('critico');
    expect(r.reasons).toEqual(['número banido pelo provedor', 'instância desconectada', '4 falhas de entrega hoje']);
  });

  test('failures under failuresWarn -> ok even at a 100% failure ratio', () => {
    expect(risk({ deliveryFailuresToday: 2, sentToday: 100 })).toEqual({ level: 'ok', reasons: [] });
    expect(risk({ deliveryFailuresToday: 2, sentToday: 2 })).toEqual({ level: 'ok', reasons: [] });
  });

  test('failuresWarn with a low ratio -> atencao', () => {
    expect(risk({ deliveryFailuresToday: 3, sentToday: 100 })).toEqual({ level: 'atencao', reasons: ['3 falhas de entrega hoje'] });
    expect(risk({ deliveryFailuresToday: 5, sentToday: 100 }).level).toBe('atencao');
  });

  test('failuresCritical -> critico regardless of the ratio', () => {
    expect(risk({ deliveryFailuresToday: 6, sentToday: 1_000 })).toEqual({ level: 'critico', reasons: ['6 falhas de entrega hoje'] });
    expect(risk({ deliveryFailuresToday: 50, sentToday: 1_000 }).level).toBe('critico');
  });

  test('ratio rule: >= failuresWarn failures AND >= 25% of sends -> critico', () => {
    expect(risk({ deliveryFailuresToday: 3, sentToday: 12 }).level).toBe('critico'); // exactly 25%
    expect(risk({ deliveryFailuresToday: 3, sentToday: 13 }).level).toBe('atencao'); // 23%
    expect(risk({ deliveryFailuresToday: 4, sentToday: 16 }).level).toBe('critico');
    expect(risk({ deliveryFailuresToday: 5, sentToday: 21 }).level).toBe('atencao');
  });

  test('failures with nothing sent count as ratio 0 (no division by zero)', () => {
    expect(risk({ deliveryFailuresToday: 3, sentToday: 0 }).level).toBe('atencao');
  });

  test('custom thresholds are honoured', () => {
    // The parameter's type is inferred from the `as const` default (literal 3/6/0.25), so custom
    // thresholds need a cast to type-check; at runtime they are honoured.
    const strict = { failuresWarn: 1, failuresCritical: 2, failureRatioCritical: 0.5 } as unknown as typeof WARNING_THRESHOLDS;
    expect(assessRisk({ ...healthy, deliveryFailuresToday: 1, sentToday: 10 }, strict).level).toBe('atencao');
    expect(assessRisk({ ...healthy, deliveryFailuresToday: 1, sentToday: 2 }, strict).level).toBe('critico');
    expect(assessRisk({ ...healthy, deliveryFailuresToday: 2, sentToday: 100 }, strict).level).toBe('critico');
  });
});

describe('fleetBreakerTripped', () => {
  test('default: 2 distinct chips within 24 h', () => {
    expect(FLEET_BREAKER_DEFAULT).toEqual({ incidents: 2, windowMs: 86_400_000 });
    expect(fleetBreakerTripped(0)).toBe(false);
    expect(fleetBreakerTripped(1)).toBe(false);
    expect(fleetBreakerTripped(2)).toBe(true);
    expect(fleetBreakerTripped(7)).toBe(true);
  });
  test('custom threshold', () => {
    expect(fleetBreakerTripped(2, 3)).toBe(false);
    expect(fleetBreakerTripped(3, 3)).toBe(true);
    expect(fleetBreakerTripped(1, 1)).toBe(true);
  });
});
