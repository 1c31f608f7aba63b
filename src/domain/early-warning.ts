/**
 * Early warning (the chip's own monitoring). Provider facts collected by the chip's workflow over
 * the current program day decide whether to go on, warn, or stop the chip.
 */
export type RiskLevel = 'ok' | 'atencao' | 'critico';

export interface WarningThresholds {
  failuresWarn: number;
  failuresCritical: number;
  failureRatioCritical: number;
}

export const WARNING_THRESHOLDS: Readonly<WarningThresholds> = {
  /** Failed deliveries in a program day that raise a warning. */
  failuresWarn: 3,
  /** Failed deliveries in a program day that pause the chip. */
  failuresCritical: 6,
  /** Share of today's sends that failed that pauses the chip (with at least failuresWarn failures). */
  failureRatioCritical: 0.25,
};

export interface RiskInputs {
  deliveryFailuresToday: number;
  sentToday: number;
  disconnected: boolean;
  banned: boolean;
}

export interface RiskAssessment {
  level: RiskLevel;
  reasons: string[];
}

export function assessRisk(input: RiskInputs, thresholds: WarningThresholds = WARNING_THRESHOLDS): RiskAssessment {
  const reasons: string[] = [];
  if (input.banned) reasons.push('número banido pelo provedor');
  if (input.disconnected) reasons.push('instância desconectada');
  const failures = input.deliveryFailuresToday;
  const ratio = input.sentToday > 0 ? failures / input.sentToday : 0;
  const criticalFailures =
    failures >= thresholds.failuresCritical || (failures >= thresholds.failuresWarn && ratio >= thresholds.failureRatioCritical);
  if (failures >= thresholds.failuresWarn) reasons.push(`${failures} falhas de entrega hoje`);
  if (input.banned || input.disconnected || criticalFailures) return { level: 'critico', reasons };
  if (failures >= thresholds.failuresWarn) return { level: 'atencao', reasons };
  return { level: 'ok', reasons };
}

/** The fleet breaker: this many chips banned or disconnected within 24 h pause the whole fleet. */
export const FLEET_BREAKER_DEFAULT = { incidents: 2, windowMs: 24 * 60 * 60 * 1000 } as const;

export function fleetBreakerTripped(distinctChipsWithIncidents: number, threshold: number = FLEET_BREAKER_DEFAULT.incidents): boolean {
  return distinctChipsWithIncidents >= threshold;
}
