/** Alerts: opened by chips' workflows, webhooks and the breaker; resolved by them or by operators. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertRecord {
  id: string;
  chipId: string | null;
  severity: AlertSeverity;
  kind: string;
  message: string;
  resolved: boolean;
  createdAt: string;
}

export interface AlertsPort {
  /** Idempotent on `key` when given: a second call returns the first alert. */
  openAlert(input: { chipId: string | null; severity: AlertSeverity; kind: string; message: string; key?: string }): Promise<AlertRecord>;
  resolveAlerts(input: { chipId?: string | null; kind?: string }): Promise<number>;
  listAlerts(filter?: { open?: boolean; chipId?: string }): Promise<AlertRecord[]>;
}
