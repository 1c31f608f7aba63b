import { WarmerError } from '../../src/domain/errors';
import {
  PHASES,
  PHASE_TABLE,
  PROGRAM_MIN_DAYS,
  type Phase,
  UnknownPhase,
  checkPhaseCriteria,
  dailyCap,
  formatPercent,
  isPhase,
  phaseRule,
} from '../../src/domain/phases';

describe('seed validation (verificar_criterios_fase), ported exactly', () => {
  test('test_criterios_fase_setup', () => {
    // Nao cumpre dias
    let r = checkPhaseCriteria('setup', 2, 50, 0);
    expect(r.ok).toBe(false);
    expect(r.pending[0]).toContain('dias');

    // Nao cumpre health
    r = checkPhaseCriteria('setup', 3, 40, 0);
    expect(r.ok).toBe(false);
    expect(r.pending[0]).toContain('health');

    // Cumpre todos
    r = checkPhaseCriteria('setup', 3, 45, 0);
    expect(r.ok).toBe(true);
    expect(r.pending).toHaveLength(0);
  });

  test('test_criterios_fase_expansao', () => {
    // Precisa de taxa de resposta
    let r = checkPhaseCriteria('expansao', 7, 70, 0.3);
    expect(r.ok).toBe(false);
    expect(r.pending[0]).toContain('taxa_resposta');

    // Cumpre todos
    r = checkPhaseCriteria('expansao', 7, 70, 0.4);
    expect(r.ok).toBe(true);
  });

  test('test_criterios_fase_operacao: the final phase never progresses', () => {
    const r = checkPhaseCriteria('operacao', 100, 100, 1.0);
    expect(r.ok).toBe(false);
    // Python's `"fase_final" in pendencias` is list membership: an element equal to the string.
    expect(r.pending).toContain('fase_final');
    expect(r.pending).toEqual(['fase_final']);
  });
});

describe('pending strings have the seed shape', () => {
  test('dias, health and taxa_resposta are formatted exactly', () => {
    expect(checkPhaseCriteria('setup', 2, 50, 0).pending).toEqual(['dias: 2/3']);
    expect(checkPhaseCriteria('setup', 3, 40, 0).pending).toEqual(['health: 40/45']);
    expect(checkPhaseCriteria('expansao', 7, 70, 0.3).pending).toEqual(['taxa_resposta: 30%/40%']);
  });

  test('all three pending at once, in the seed order dias, health, taxa_resposta', () => {
    expect(checkPhaseCriteria('primeiros_contatos', 1, 50, 0.25)).toEqual({
      ok: false,
      pending: ['dias: 1/4', 'health: 50/55', 'taxa_resposta: 25%/50%'],
    });
    expect(checkPhaseCriteria('pre_operacao', 0, 0, 0)).toEqual({
      ok: false,
      pending: ['dias: 0/7', 'health: 0/85', 'taxa_resposta: 0%/35%'],
    });
  });

  test('formatPercent rounds like the seed`s {:.0%}', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.3)).toBe('30%');
    expect(formatPercent(0.35)).toBe('35%');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.396)).toBe('40%');
  });
});

describe('PHASE_TABLE equals the seed', () => {
  test('literal values', () => {
    const literal = Object.fromEntries(
      PHASES.map((p) => [
        p,
        {
          minDays: PHASE_TABLE[p].minDays,
          minHealth: PHASE_TABLE[p].minHealth,
          minReplyRate: PHASE_TABLE[p].minReplyRate,
          dailyCap: PHASE_TABLE[p].dailyCap,
          next: PHASE_TABLE[p].next,
        },
      ]),
    );
    expect(literal).toEqual({
      setup: { minDays: 3, minHealth: 45, minReplyRate: 0, dailyCap: 0, next: 'primeiros_contatos' },
      primeiros_contatos: { minDays: 4, minHealth: 55, minReplyRate: 0.5, dailyCap: 10, next: 'expansao' },
      expansao: { minDays: 7, minHealth: 70, minReplyRate: 0.4, dailyCap: 30, next: 'pre_operacao' },
      pre_operacao: { minDays: 7, minHealth: 85, minReplyRate: 0.35, dailyCap: 50, next: 'operacao' },
      operacao: { minDays: 0, minHealth: 0, minReplyRate: 0, dailyCap: 100, next: null },
    });
  });

  test('phase order and next chain: each phase points to the following one, operacao is last', () => {
    expect(PHASES).toEqual(['setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao']);
    const chain: string[] = [];
    let p: Phase | null = 'setup';
    while (p) {
      chain.push(p);
      p = PHASE_TABLE[p].next;
    }
    expect(chain).toEqual([...PHASES]);
  });

  test('daily caps 0/10/30/50/100 via dailyCap()', () => {
    expect(PHASES.map((p) => dailyCap(p))).toEqual([0, 10, 30, 50, 100]);
  });

  test('PROGRAM_MIN_DAYS = 21 (3 + 4 + 7 + 7)', () => {
    expect(PROGRAM_MIN_DAYS).toBe(21);
  });
});

const PROGRESSING = PHASES.filter((p) => PHASE_TABLE[p].next !== null);

describe.each(PROGRESSING.map((p) => [p, PHASE_TABLE[p]] as const))('boundaries of %s (from PHASE_TABLE)', (phase, rule) => {
  const okRate = rule.minReplyRate;

  test('exactly at every minimum -> ok with no pending', () => {
    expect(checkPhaseCriteria(phase, rule.minDays, rule.minHealth, okRate)).toEqual({ ok: true, pending: [] });
  });

  test('minDays - 1 -> only dias pending', () => {
    expect(checkPhaseCriteria(phase, rule.minDays - 1, rule.minHealth, okRate)).toEqual({
      ok: false,
      pending: [`dias: ${rule.minDays - 1}/${rule.minDays}`],
    });
  });

  test('minHealth - 1 -> only health pending', () => {
    expect(checkPhaseCriteria(phase, rule.minDays, rule.minHealth - 1, okRate)).toEqual({
      ok: false,
      pending: [`health: ${rule.minHealth - 1}/${rule.minHealth}`],
    });
  });

  test('well above every minimum -> ok', () => {
    expect(checkPhaseCriteria(phase, rule.minDays + 10, 100, 1).ok).toBe(true);
  });

  if (rule.minReplyRate > 0) {
    test('reply rate 1 point under the minimum -> only taxa_resposta pending', () => {
      const under = Math.round(rule.minReplyRate * 100 - 1) / 100;
      expect(checkPhaseCriteria(phase, rule.minDays, rule.minHealth, under)).toEqual({
        ok: false,
        pending: [`taxa_resposta: ${Math.round(under * 100)}%/${Math.round(rule.minReplyRate * 100)}%`],
      });
    });

    test('reply rate a hair under the minimum is still pending (no rounding up to pass)', () => {
      const hair = rule.minReplyRate - 1e-9;
      const r = checkPhaseCriteria(phase, rule.minDays, rule.minHealth, hair);
      expect(r.ok).toBe(false);
      expect(r.pending).toHaveLength(1);
      expect(r.pending[0]).toMatch(/^taxa_resposta: /);
    });
  } else {
    test('no reply-rate requirement: rate 0 passes', () => {
      expect(checkPhaseCriteria(phase, rule.minDays, rule.minHealth, 0).ok).toBe(true);
    });
  }
});

describe('unknown phase', () => {
  test.each(['', 'Setup', 'operacao ', 'ready', 'primeiros-contatos'])('%p throws UnknownPhase instead of returning false', (bad) => {
    let caught: unknown;
    try {
      checkPhaseCriteria(bad, 100, 100, 1);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnknownPhase);
    expect(caught).toBeInstanceOf(WarmerError);
    expect((caught as UnknownPhase).code).toBe('UnknownPhase');
    expect((caught as UnknownPhase).phase).toBe(bad);
    expect((caught as Error).message).toContain(`'${bad}'`);
  });

  test('phaseRule and dailyCap also throw; isPhase is false', () => {
    expect(() => phaseRule('bogus')).toThrow(UnknownPhase);
    expect(() => dailyCap('bogus')).toThrow(UnknownPhase);
    expect(isPhase('bogus')).toBe(false);
    expect(isPhase(3)).toBe(false);
    expect(PHASES.every((p) => isPhase(p))).toBe(true);
  });
});
