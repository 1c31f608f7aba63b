/**
 * The group calls of Evolution API v2 (v2.3.6's group.router.ts, schemas in src/validate/group.schema.ts,
 * behaviour in whatsapp.baileys.service.ts). The routes that act on a group take it as `?groupJid=`.
 *
 * Answers only these routes give: a group the instance is not in answers 404 "Error fetching group"
 * (findGroupInfos), 400 "Unable to leave the group" (leaveGroup), 400 "Error updating participants"
 * with WhatsApp's "forbidden" (updateParticipant); a send into it answers 400 with the provider's own
 * NotFoundException flattened to "[object Object]". All of them are NotGroupMember here.
 */
import { InvalidInput, NotGroupMember } from '../../domain/errors';
import { isGroupJid, maskGroupJid } from '../../domain/group-jid';
import { canonicalPhone, isE164Digits, jidToPhone, normalizePhone } from '../../domain/phone';
import { type Call, type EvolutionHttp, type FailedAnswer, field } from './evolution-http';
import type { CreatedGroup, GroupInfo, GroupMemberRole, Groups, ParticipantChange } from './group-port';
import { ProviderUnavailable } from './provider-unavailable';

/** WhatsApp's limits on a group's name and description. */
export const GROUP_SUBJECT_MAX_CHARS = 100;
export const GROUP_DESCRIPTION_MAX_CHARS = 2048;

const NOT_IN_GROUP = /\[object Object\]|group not found|forbidden|item-not-found|not a (?:member|participant)/i;

/** The refinement for a send, reaction or group call addressed to a group the instance may not be in. */
export function notGroupMember(instance: string, maskedGroup: string): (answer: FailedAnswer) => Error | undefined {
  return ({ status, detail }) =>
    (status === 400 || status === 404) && NOT_IN_GROUP.test(detail)
      ? new NotGroupMember(
          `Instance '${instance}' is not a member of group ${maskedGroup}, or the group does not exist (${status} ${detail}).`,
        )
      : undefined;
}

export function createEvolutionGroups(http: EvolutionHttp): Groups {
  const groupCall = (groupJid: string, call: Omit<Call, 'timeoutMs' | 'query' | 'refine' | 'maskedNumber'>): Call => {
    const masked = maskGroupJid(groupJid);
    const member = notGroupMember(call.instance, masked);
    return {
      ...call,
      query: { groupJid },
      timeoutMs: http.timeoutMs,
      maskedNumber: masked,
      refine: (answer) => {
        // A member that is not an admin may not add or remove.
        if (answer.status === 400 && /not-authorized/i.test(answer.detail)) {
          return new InvalidInput(
            `Instance '${call.instance}' is not an admin of group ${masked}: only an admin may add or remove members.`,
          );
        }
        // Leaving a group the instance is not in fails with the bare "Unable to leave the group".
        if (call.action === '/group/leaveGroup' && answer.status === 400 && /unable to leave/i.test(answer.detail)) {
          return new NotGroupMember(`Instance '${call.instance}' is not in group ${masked} (it may have left already).`);
        }
        return member(answer);
      },
    };
  };

  return {
    async createGroup(instance, group, limits) {
      const subject = groupText('group subject', group?.subject, GROUP_SUBJECT_MAX_CHARS, true);
      const description = groupText('group description', group?.description, GROUP_DESCRIPTION_MAX_CHARS, false);
      const participants = phones(group?.participants);
      const call: Call = {
        method: 'POST',
        action: '/group/create',
        instance,
        body: { subject, participants, ...(description ? { description } : {}) },
        timeoutMs: http.timeoutMs,
        idempotent: false,
        limits,
      };
      const { status, body } = await http.send(call);
      const groupJid = field(body, 'id');
      if (typeof groupJid !== 'string' || !isGroupJid(groupJid)) {
        throw new ProviderUnavailable(
          `/group/create for '${instance}' answered ${status} without a group id; the group may exist: look it up before creating another.`,
          'bad_response',
          status,
        );
      }
      return { groupJid, members: members(body).map((m) => m.phone) } satisfies CreatedGroup;
    },

    async updateGroupParticipants(instance, groupJid, action, participants, limits) {
      requireGroupJid(groupJid);
      if (action !== 'add' && action !== 'remove')
        throw new InvalidInput(`Group participant action must be 'add' or 'remove', got '${action}'.`);
      const numbers = phones(participants);
      const call = groupCall(groupJid, {
        method: 'POST',
        action: '/group/updateParticipant',
        instance,
        body: { action, participants: numbers },
        idempotent: true,
        limits,
      });
      const { status, body } = await http.send(call);
      const list = field(body, 'updateParticipants');
      if (!Array.isArray(list)) {
        throw new ProviderUnavailable(
          `/group/updateParticipant for '${instance}' answered ${status} without updateParticipants.`,
          'bad_response',
          status,
        );
      }
      // Asking for what already holds (adding a member, removing a non-member) is not a failure.
      const settled = action === 'add' ? ['200', '409'] : ['200', '404'];
      return list.flatMap((item): ParticipantChange[] => {
        const jid = field(item, 'jid');
        const code = String(field(item, 'status') ?? '');
        if (typeof jid !== 'string') return [];
        return [{ phone: canonicalPhone(jidToPhone(jid)), code, ok: settled.includes(code) }];
      });
    },

    async leaveGroup(instance, groupJid, limits) {
      requireGroupJid(groupJid);
      await http.send(groupCall(groupJid, { method: 'DELETE', action: '/group/leaveGroup', instance, idempotent: true, limits }));
    },

    async fetchGroup(instance, groupJid, limits) {
      requireGroupJid(groupJid);
      const call = groupCall(groupJid, { method: 'GET', action: '/group/findGroupInfos', instance, idempotent: true, limits });
      const { status, body } = await http.send(call);
      const id = field(body, 'id');
      if (typeof id !== 'string' || !isGroupJid(id)) {
        throw new ProviderUnavailable(
          `/group/findGroupInfos for '${instance}' answered ${status} without a group id.`,
          'bad_response',
          status,
        );
      }
      const subject = field(body, 'subject');
      const desc = field(body, 'desc');
      const owner = userPhone(field(body, 'owner'));
      return {
        groupJid: id,
        subject: typeof subject === 'string' ? subject : '',
        description: typeof desc === 'string' ? desc : null,
        owner,
        members: members(body),
      } satisfies GroupInfo;
    },
  };
}

function requireGroupJid(groupJid: string): void {
  if (typeof groupJid !== 'string' || !isGroupJid(groupJid)) {
    throw new InvalidInput(`'${String(groupJid).slice(0, 40)}' is not a group JID (expected digits followed by @g.us).`);
  }
}

function groupText(what: string, value: unknown, maxChars: number, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || (required && value.trim().length === 0)) throw new InvalidInput(`The ${what} must be a non-empty text.`);
  const text = value.trim();
  const chars = [...text].length;
  if (chars > maxChars) throw new InvalidInput(`The ${what} has ${chars} characters; WhatsApp allows at most ${maxChars}.`);
  return text.length > 0 ? text : undefined;
}

/** E.164 digits, each once (the provider refuses duplicates); InvalidPhone for anything else. */
function phones(list: unknown): string[] {
  if (!Array.isArray(list) || list.length === 0) throw new InvalidInput('A group change needs at least one participant phone number.');
  return [...new Set(list.map((p) => normalizePhone(String(p))))];
}

/**
 * Members from a group's metadata. A participant addressed by LID carries its phone JID beside it
 * (`phoneNumber` or `jid`); one that carries none cannot be named and is left out.
 */
function members(body: unknown): GroupInfo['members'] {
  const participants = field(body, 'participants');
  if (!Array.isArray(participants)) return [];
  return participants.flatMap((p) => {
    const phone = [field(p, 'phoneNumber'), field(p, 'jid'), field(p, 'id')].map(userPhone).find((x) => x !== null);
    if (!phone) return [];
    const admin = field(p, 'admin');
    const role: GroupMemberRole = admin === 'superadmin' || admin === 'admin' ? admin : null;
    return [{ phone, role }];
  });
}

function userPhone(jid: unknown): string | null {
  if (typeof jid !== 'string' || !jid.endsWith('@s.whatsapp.net')) return null;
  const phone = jidToPhone(jid);
  return isE164Digits(phone) ? canonicalPhone(phone) : null;
}
