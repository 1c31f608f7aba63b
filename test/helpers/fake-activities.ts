/**
 * In-memory activities for fast workflow tests: a fleet registry, a delivery log and a notification
 * log. Partners are still reserved through the real Update on the real (test) Temporal server.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { createTemporalChipDirectory } from '../../src/client/chip-directory';
import { sendOpening } from '../../src/activities/opening-turn';
import type { ChipRef, OpeningTurn, WarmupActivities } from '../../src/activities/types';
import type { Notification } from '../../src/adapters/notify/port';
import { OutsideFleet, TurnOutcomeUnknown } from '../../src/domain/errors';
import { rankPartners } from '../../src/domain/partners';
import { seededRandom } from '../../src/domain/random';
import { sendsPerSide } from '../../src/domain/window';
import type { ProfileStep } from '../../src/domain/profile-checklist';
import { ApplicationFailure } from '@temporalio/common';
import { type FakeGroups, createFakeGroups } from './fake-groups';

export interface Delivery {
  key: string;
  conversationId: string;
  turn: number;
  from: string;
  to: string;
  atMs: number;
}

export interface FakeWorld {
  activities: WarmupActivities;
  chips: Map<string, ChipRef & { phase: string }>;
  deliveries: Delivery[];
  notifications: Notification[];
  alerts: { chipId: string | null; severity: string; kind: string; key: string }[];
  /** Keys of alerts resolved since (a stall that ended). */
  resolved: Set<string>;
  statuses: { chipId: string; status: string }[];
  promotions: { chipId: string; from: string; to: string; atMs: number }[];
  conversations: Map<string, { outcome?: string; turnsDelivered?: number }>;
  /** What persistStanding recorded (the adaptive ramp and quarantine), in order. */
  standings: Parameters<WarmupActivities['persistStanding']>[0][];
  /** Pairings planned: initiator, partner, and the initiator's quarantine when it asked. */
  pairings: { initiator: string; partner: string; quarantined: boolean; atMs: number }[];
  /** Called inside deliverTurn before "sending", e.g. to pause a chip mid-conversation. */
  onTurn?: (delivery: Delivery) => Promise<void>;
  /** Replaces what the plan's opening turn comes to (instead of sending it), e.g. a refusal. */
  openingOutcome?: (conversationId: string) => OpeningTurn | undefined;
  // ---- profile checklist (setup) ----
  /** Each profile step attempt, in order: done, or failed with the error profileFailure gave. */
  profileSteps: { chipId: string; step: ProfileStep; ok: boolean; atMs: number }[];
  /** The steps the "database" has as done, per chip (an operator's mark included). */
  profileDone: Map<string, Set<ProfileStep>>;
  /** A provider error for this attempt of a step (attempt counts from 1), or undefined: it succeeds. */
  profileFailure?: (chipId: string, step: ProfileStep, attempt: number) => string | undefined;
  // ---- end profile checklist ----
  // ---- status posts
  /** Status posts, with the viewers they named (every other chip of the one fake fleet) and the poster's phase. */
  statusPosts: { chipId: string; key: string; day: string; phase: string; viewers: string[]; atMs: number; content: string }[];
  // ---- end status posts
  // ---- closed groups of the fleet (fake-groups.ts) ----
  /** Groups, their members and their messages. */
  groups: FakeGroups;
  // ---- classified disconnects ----
  /** What checkConnection answers per instance (default `open`), and the checks asked. */
  connectionStates: Map<string, 'open' | 'close' | 'connecting'>;
  connectionChecks: { instance: string; atMs: number }[];
  // ---- end classified disconnects ----
}

/** Workflow time as the server sees it (time-skipping moves it, the activity's Date.now() does not). */
const serverNow = () => Context.current().info.currentAttemptScheduledTimestampMs;

function dialogue(turns: number, id: string) {
  return {
    id,
    topic: 'test',
    turns: Array.from({ length: turns }, (_, i) => ({ from: (i % 2 === 0 ? 'A' : 'B') as 'A' | 'B', text: `mensagem ${i + 1} de ${id}` })),
  };
}

export function createFakeWorld(client: Client): FakeWorld {
  const directory = createTemporalChipDirectory(client);
  const world: FakeWorld = {
    chips: new Map(),
    deliveries: [],
    notifications: [],
    alerts: [],
    resolved: new Set(),
    statuses: [],
    promotions: [],
    conversations: new Map(),
    standings: [],
    pairings: [],
    profileSteps: [],
    profileDone: new Map(),
    statusPosts: [],
    connectionStates: new Map(),
    connectionChecks: [],
    activities: undefined as unknown as WarmupActivities,
    groups: undefined as unknown as FakeGroups,
  };
  // ---- closed groups of the fleet ----
  world.groups = createFakeGroups(world, directory);
  const claims = new Map<string, 'in_flight' | 'sent'>();
  world.activities = {
    async persistPhaseChange(input) {
      world.promotions.push({ chipId: input.chipId, from: input.from, to: input.to, atMs: input.atMs });
      const chip = world.chips.get(input.chipId);
      if (chip) chip.phase = input.to;
    },
    async persistStatus(input) {
      world.statuses.push({ chipId: input.chipId, status: input.status });
    },
    async persistHealth() {},
    async persistStanding(input) {
      world.standings.push(input);
    },
    async openAlert(input) {
      if (!world.alerts.some((a) => a.key === input.key)) world.alerts.push(input);
    },
    async resolveAlert(input) {
      for (const a of world.alerts) if (a.chipId === input.chipId && a.kind === input.kind) world.resolved.add(a.key);
    },
    async notify(notification) {
      world.notifications.push(notification);
    },
    async planConversation(input) {
      const random = seededRandom(input.seed);
      // The database's view of each chip's quarantine: its last recorded standing.
      const quarantined = (chipId: string) => world.standings.filter((x) => x.chipId === chipId).at(-1)?.quarantined ?? false;
      const candidates = [...world.chips.values()]
        .filter((c) => c.chipId !== input.initiator.chipId && quarantined(c.chipId) === Boolean(input.quarantined))
        .map((c) => ({ ...c, interactionsToday: 0 }));
      const turns = Math.min(input.maxTurns, 4 + 2 * Math.floor(random() * 4));
      const d = dialogue(turns, `fake-${turns}`);
      for (const c of rankPartners(candidates, input.phase, random)) {
        const answer = await directory.reserve(c.chipId, {
          conversationId: input.conversationId,
          initiatorChipId: input.initiator.chipId,
          sends: sendsPerSide(turns).b,
          leaseMs: input.leaseMs,
          quarantined: Boolean(input.quarantined),
        });
        if (answer.accepted) {
          world.conversations.set(input.conversationId, {});
          world.pairings.push({
            initiator: input.initiator.chipId,
            partner: c.chipId,
            quarantined: Boolean(input.quarantined),
            atMs: serverNow(),
          });
          const plan = {
            conversationId: input.conversationId,
            partner: { chipId: c.chipId, phone: c.phone, instanceName: c.instanceName },
            dialogue: d,
          };
          if (!input.sendOpening) return { kind: 'planned', plan };
          // The real activity's opening logic over this fake's deliverTurn.
          const opening =
            world.openingOutcome?.(input.conversationId) ??
            (await sendOpening((turn) => world.activities.deliverTurn(turn), {
              ...plan,
              initiator: input.initiator,
              paceScale: input.paceScale ?? 1,
              planStartedAtMs: Date.now(),
            }));
          return { kind: 'planned', plan: { ...plan, opening } };
        }
      }
      return { kind: 'none', reason: candidates.length === 0 ? 'no_partners' : 'partners_unavailable' };
    },
    async deliverTurn(input) {
      if (!world.chips.has(input.receiver.chipId) || world.chips.get(input.receiver.chipId)!.phone !== input.receiver.phone) {
        throw ApplicationFailure.nonRetryable(new OutsideFleet('outside fleet').message, 'OutsideFleet');
      }
      const claim = claims.get(input.key);
      if (claim === 'sent') return { alreadySent: true };
      if (claim === 'in_flight') throw ApplicationFailure.nonRetryable(new TurnOutcomeUnknown(input.key).message, 'TurnOutcomeUnknown');
      claims.set(input.key, 'in_flight');
      const delivery: Delivery = {
        key: input.key,
        conversationId: input.conversationId,
        turn: input.turn,
        from: input.sender.chipId,
        to: input.receiver.chipId,
        atMs: serverNow(),
      };
      if (world.onTurn) await world.onTurn(delivery);
      world.deliveries.push(delivery);
      claims.set(input.key, 'sent');
      if (input.finish) world.conversations.set(input.conversationId, { outcome: 'completed', turnsDelivered: input.turn + 1 });
      return { alreadySent: false, key: { remoteJid: `${input.receiver.phone}@s.whatsapp.net`, fromMe: true, id: input.key } };
    },
    async finishConversation(input) {
      world.conversations.set(input.conversationId, { outcome: input.outcome, turnsDelivered: input.turnsDelivered });
    },
    // ---- status posts: a repeated key posts nothing new; the viewers are the fleet's other chips.
    async postStatus(input) {
      if (world.statusPosts.some((p) => p.key === input.key)) return { kind: 'not_posted', reason: 'already_settled' };
      const viewers = [...world.chips.values()].filter((c) => c.chipId !== input.chip.chipId).map((c) => `${c.phone}@s.whatsapp.net`);
      const phase = world.chips.get(input.chip.chipId)?.phase ?? 'unknown';
      const { key, day, post } = input;
      world.statusPosts.push({ chipId: input.chip.chipId, key, day, phase, viewers, atMs: serverNow(), content: post.content });
      return { kind: 'posted', viewers: viewers.length };
    },
    // ---- end status posts
    async sendDailySummary() {
      const summary = {
        warming: world.chips.size,
        paused: 0,
        ready: 0,
        banned: 0,
        averageHealth: 50,
        openAlerts: world.alerts.length,
        stalled: world.alerts.filter((a) => a.kind === 'chip_stalled' && !world.resolved.has(a.key)).length,
      };
      world.notifications.push({ kind: 'daily_summary', ...summary });
      return summary;
    },
    async rotatePairs() {
      return { deactivated: 0, created: 0 };
    },
    // ---- profile checklist (setup) ----
    async runProfileSteps(input) {
      const done = world.profileDone.get(input.chip.chipId) ?? new Set<ProfileStep>();
      world.profileDone.set(input.chip.chipId, done);
      const failed: { step: ProfileStep; error: string }[] = [];
      for (const step of input.steps) {
        if (done.has(step)) continue;
        const attempt = world.profileSteps.filter((x) => x.chipId === input.chip.chipId && x.step === step).length + 1;
        const error = world.profileFailure?.(input.chip.chipId, step, attempt);
        world.profileSteps.push({ chipId: input.chip.chipId, step, ok: !error, atMs: serverNow() });
        if (error) failed.push({ step, error });
        else done.add(step);
      }
      return { done: [...done], failed };
    },
    // ---- end profile checklist ----
    // ---- closed groups of the fleet ----
    ...world.groups.activities,
    // ---- classified disconnects ----
    async checkConnection(input) {
      world.connectionChecks.push({ instance: input.instance, atMs: serverNow() });
      return world.connectionStates.get(input.instance) ?? 'open';
    },
    // ---- end classified disconnects ----
  };
  return world;
}
