import type { Phase } from '../../domain/phases';

/** What Warmer tells the team. Phones are raw here; every notifier masks them (last 4 digits). */
export type Notification =
  | { kind: 'promotion'; phone: string; from: Phase; to: Phase; health: number; replyRate: number }
  | { kind: 'ready'; phone: string; health: number }
  | { kind: 'alert'; severity: 'warning' | 'critical'; title: string; message: string; phone?: string }
  | {
      kind: 'daily_summary';
      warming: number;
      ready: number;
      averageHealth: number;
      openAlerts: number;
      paused?: number;
      banned?: number;
      stalled?: number;
      /** Status posts the fleet sent today (fleet-only viewers). */
      statusPosts?: number;
      /** Chips whose cap is reduced today or that are in quarantine, and why (the adaptive ramp). */
      standings?: { instance: string; phone: string; capText: string | null; quarantine: string | null }[];
      /** Closed groups of the fleet (3 or more members) and the group messages of the program day. */
      groups?: number;
      groupMessages?: number;
    };

export interface Notifier {
  /** Never throws for an outage: a notifier gives up after bounded retries and logs. */
  notify(notification: Notification): Promise<void>;
}
