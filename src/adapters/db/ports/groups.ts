/** Closed groups of the fleet: the groups, their members over time, their conversations and messages. */
import type { TurnConfirmation, TurnState } from './turns';

/** One member (present or past) of a group the chip is in (warmup_chip_groups). */
export interface GroupMemberRecord {
  chipId: string;
  phone: string;
  instanceName: string;
  status: string;
  phase: string;
  quarantined: boolean;
  joinedAt: string;
  /** Null while the chip is a member. */
  leftAt: string | null;
  /** Group messages the member sent in this group. */
  messagesSent: number;
}

export interface GroupRecord {
  groupId: string;
  groupJid: string;
  name: string;
  description: string | null;
  fleetId: string;
  creatorChipId: string;
  createdAt: string;
  members: GroupMemberRecord[];
}

/** A fleet chip as a group planner sees it (warmup_group_candidates). */
export interface GroupCandidateRecord {
  chipId: string;
  phone: string;
  instanceName: string;
  phase: string;
  status: string;
  quarantined: boolean;
  capToday: number;
  claimedToday: number;
  /** Groups it is a member of. */
  groups: number;
}

export interface GroupsPort {
  /** The groups the chip is a present member of, with all their members (present and past). */
  chipGroups(input: { chipId: string }): Promise<GroupRecord[]>;
  /** The chip's fleet besides itself: warming or ready chips, with their cap and claims of `day`. */
  groupCandidates(input: { chipId: string; day: string }): Promise<GroupCandidateRecord[]>;
  /**
   * Records a group made on WhatsApp: 3 to 6 members (creator included), all of the creator's fleet
   * (OutsideFleet otherwise), warming or ready. A repeat with the same JID returns the recorded group's id.
   */
  recordGroup(input: {
    groupJid: string;
    creatorChipId: string;
    name: string;
    description: string | null;
    members: string[];
    at: string;
  }): Promise<string>;
  /** A member added or removed by the group's admin; a member of another fleet is refused (OutsideFleet). */
  changeGroupMember(input: { groupJid: string; chipId: string; action: 'add' | 'remove'; at: string }): Promise<void>;
  beginGroupConversation(input: {
    id: string;
    groupJid: string;
    initiatorChipId: string;
    turns: number;
    day: string;
    at: string;
  }): Promise<void>;
  /**
   * Claims a group message (after confirming `previous`): refuses a sender not warming (ChipNotWarming),
   * not a member (NotGroupMember), in quarantine beside healthy members (GroupQuarantine), in a group
   * holding a chip of another fleet (OutsideFleet), or at its cap of `day` (DailyCapReached).
   */
  claimGroupMessage(input: {
    previous?: TurnConfirmation;
    key: string;
    groupConversationId: string;
    turn: number;
    senderId: string;
    at: string;
    day?: string;
  }): Promise<TurnState>;
  /** Confirms the last message (when given) and closes the group conversation. */
  finishGroupConversation(input: {
    confirm?: TurnConfirmation;
    id: string;
    turnsDelivered: number;
    outcome: 'completed' | 'aborted' | 'failed' | 'cut_short';
    at: string;
  }): Promise<void>;
  /** Groups with at least 3 present members, and group messages sent on `day`. */
  groupSummary(input: { day: string }): Promise<{ groups: number; groupMessages: number }>;
}
