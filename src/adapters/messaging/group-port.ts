/**
 * Small closed WhatsApp groups as Warmer runs them (Evolution API v2's /group/* routes). Messages go
 * to a group through the ordinary sends of `Messaging`, with the group JID (`…@g.us`) as the number;
 * a send from an instance that is not a member fails with NotGroupMember.
 */
import type { CallLimits } from './port';

export interface NewGroup {
  /** The group's name, 1 to 100 characters. */
  subject: string;
  /** Up to 2048 characters. */
  description?: string;
  /** E.164 digits of the members besides the creator (at least one). */
  participants: string[];
}

export interface CreatedGroup {
  groupJid: string;
  /**
   * E.164 digits of everyone in the group, creator included. The provider drops numbers that are not
   * on WhatsApp without a word, so a requested participant missing here did not get in.
   */
  members: string[];
}

export type GroupMemberRole = 'superadmin' | 'admin' | null;

export interface GroupInfo {
  groupJid: string;
  subject: string;
  description: string | null;
  /** E.164 digits of the creator, when the provider tells. */
  owner: string | null;
  members: Array<{ phone: string; role: GroupMemberRole }>;
}

/** One participant's outcome of an add or a remove, as WhatsApp answers it per number. */
export interface ParticipantChange {
  phone: string;
  /** WhatsApp's code: '200' done; e.g. '409' already a member, '404' not in the group or not on WhatsApp. */
  code: string;
  ok: boolean;
}

export interface Groups {
  /** Never retried here: a retry could create a second group. */
  createGroup(instance: string, group: NewGroup, limits?: CallLimits): Promise<CreatedGroup>;
  /** Only a group admin (its creator) may add or remove; re-adding a member answers '409' for that number. */
  updateGroupParticipants(
    instance: string,
    groupJid: string,
    action: 'add' | 'remove',
    participants: string[],
    limits?: CallLimits,
  ): Promise<ParticipantChange[]>;
  /** NotGroupMember when the instance is not in the group (e.g. it already left). */
  leaveGroup(instance: string, groupJid: string, limits?: CallLimits): Promise<void>;
  /** NotGroupMember when the instance is not in the group or the group does not exist. */
  fetchGroup(instance: string, groupJid: string, limits?: CallLimits): Promise<GroupInfo>;
}
