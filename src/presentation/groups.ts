/**
 * A chip's closed groups of the fleet for people (the console's "Grupos" card, `warmer chip status`):
 * phones and group JIDs masked, present members first, and each member's group messages.
 */
import { maskGroupJid } from '../domain/group-jid';
import { maskPhone } from '../domain/phone';

/** What the database says of a group the chip is in (structurally the groups port's GroupRecord). */
export interface GroupFacts {
  groupJid: string;
  name: string;
  createdAt: string;
  members: { chipId: string; phone: string; status: string; leftAt: string | null; messagesSent: number }[];
}

export interface GroupView {
  name: string;
  /** Masked: `***1234@g.us`. */
  group: string;
  createdAt: string;
  /** Present members (3 to 6). */
  size: number;
  /** Group messages sent in it, by all members present or past. */
  messages: number;
  /** What this chip sent there. */
  mine: number;
  members: { phone: string; status: string; messages: number; me: boolean; left: boolean }[];
}

export function groupViews(groups: readonly GroupFacts[], chipId: string): GroupView[] {
  return groups.map((g) => {
    const members = [...g.members]
      .sort((a, b) => Number(a.leftAt !== null) - Number(b.leftAt !== null))
      .map((m) => ({
        phone: maskPhone(m.phone),
        status: m.status,
        messages: m.messagesSent,
        me: m.chipId === chipId,
        left: m.leftAt !== null,
      }));
    return {
      name: g.name,
      group: maskGroupJid(g.groupJid),
      createdAt: g.createdAt,
      size: members.filter((m) => !m.left).length,
      messages: members.reduce((n, m) => n + m.messages, 0),
      mine: members.find((m) => m.me)?.messages ?? 0,
      members,
    };
  });
}

/** One line per group for `warmer chip status`. */
export function groupLine(view: GroupView): string {
  const members = view.members
    .filter((m) => !m.left)
    .map((m) => `${m.phone}${m.me ? ' (this chip)' : ''}`)
    .join(', ');
  return `${view.name} (${view.group}): ${view.size} members, ${view.messages} messages, ${view.mine} from this chip; ${members}`;
}
