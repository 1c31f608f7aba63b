/** The audit trail of what operators did to chips (who, when, why), from the console or the CLI. */
export type OperatorActionKind = 'pause' | 'resume' | 'retire';
/** What the audit trail lists: the chip actions, and a profile step marked done or asked for again. */
export type AuditedActionKind = OperatorActionKind | 'profile_done' | 'profile_retry';

export interface OperatorAction {
  id: string;
  chipId: string | null;
  action: AuditedActionKind;
  actor: string;
  reason: string | null;
  source: 'console' | 'cli';
  createdAt: string;
}

export interface OperatorActionsPort {
  recordOperatorAction(input: {
    chipId: string | null;
    action: OperatorActionKind;
    actor: string;
    reason?: string | null;
    source: 'console' | 'cli';
  }): Promise<OperatorAction>;
  /** Newest first. */
  listOperatorActions(filter?: { chipId?: string; limit?: number }): Promise<OperatorAction[]>;
}
