/**
 * TEST / DEMO ONLY. What a simulated instance does beyond one-to-one messages — its profile and
 * settings, its groups, its status posts, its calls and dropped connections — wired into the
 * network, and the part of `SimulatorControl` that drives and reads it.
 */
import { SimConnectionEvents, type SimCallRecord } from './connection-events';
import { SimGroups, type GroupMessageRecord, type SimGroup } from './groups';
import type { EmitWebhook, SimNetwork } from './network';
import { SimProfiles, type SimProfile, type SimSettings } from './profiles';
import { SimStatusPosts, type StatusPostRecord } from './status-posts';

export type { GroupMessageRecord, SimCallRecord, SimGroup, SimProfile, SimSettings, StatusPostRecord };

export interface SimPersonState {
  profiles: SimProfiles;
  groups: SimGroups;
  statuses: SimStatusPosts;
  connections: SimConnectionEvents;
}

export interface PersonControl {
  /** Name, about text, photo and privacy as the instance last set them, with every update in order. */
  profile(name: string): SimProfile;
  /** The instance's settings (`/settings/set`); Evolution's defaults until set. */
  instanceSettings(name: string): SimSettings;
  groups(): SimGroup[];
  /** Group messages in order, of one group or of all. */
  groupMessages(groupJid?: string): GroupMessageRecord[];
  /** Status posts in order, each with its statusJidList as sent and who received and viewed it. */
  statusPosts(): StatusPostRecord[];
  calls(): SimCallRecord[];
  /** A call from `fromPhone` rings on `name`: rejected and answered per its settings, `call` posted. */
  incomingCall(name: string, fromPhone: string, options?: { isVideo?: boolean }): SimCallRecord;
  /**
   * The connection drops with a Baileys DisconnectReason code, reported as Evolution reports it: 401,
   * 402, 403 and 406 close for good (status.instance, logout.instance, connection.update close); any
   * other code reconnects (connection.update connecting, statusReason 200; open after
   * `reconnectAfterMs`, or when `connect` is called).
   */
  dropConnection(name: string, statusReason: number, options?: { reconnectAfterMs?: number }): void;
}

export function createPersonState(network: SimNetwork, emit: EmitWebhook, schedule: (ms: number, run: () => void) => void): SimPersonState {
  const profiles = new SimProfiles();
  const groups = new SimGroups(network, emit, profiles);
  const statuses = new SimStatusPosts(network, emit, profiles);
  const connections = new SimConnectionEvents(network, emit, profiles, schedule);
  network.hooks = {
    sendToGroup: (sender, groupJid, content) => groups.send(sender, groupJid, content),
    connected: (instance) => {
      groups.connected(instance);
      statuses.connected(instance);
    },
    // Evolution's readMessages setting marks every arrival read at once.
    delivered: (receiver, key) => {
      if (profiles.settings(receiver.name).readMessages) network.markRead(receiver.name, [key]);
    },
  };
  return { profiles, groups, statuses, connections };
}

export function createPersonControl(state: SimPersonState, network: SimNetwork): PersonControl {
  return {
    profile: (name) => {
      network.require(name);
      return state.profiles.snapshot(name);
    },
    instanceSettings: (name) => {
      network.require(name);
      return state.profiles.settings(name);
    },
    groups: () => state.groups.list(),
    groupMessages: (groupJid) => state.groups.messages(groupJid),
    statusPosts: () => state.statuses.list(),
    calls: () => state.connections.calls(),
    incomingCall: (name, fromPhone, options) => state.connections.incomingCall(name, fromPhone, options),
    dropConnection: (name, statusReason, options) => state.connections.dropConnection(name, statusReason, options),
  };
}
