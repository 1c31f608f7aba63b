/**
 * TEST / DEMO ONLY. WhatsApp groups in the simulated network, behaving as Evolution v2.3.6 over
 * Baileys does: a create drops numbers not on WhatsApp without a word and makes its creator the
 * superadmin; only an admin adds or removes; the last admin to leave hands the role to the longest
 * member; a group message reaches every other member (`messages.upsert` with the group as
 * `remoteJid` and the sender as `participant`) unless that member's settings ignore groups; the
 * sender hears nothing back (WhatsApp's group receipts reach Evolution as `message-receipt.update`,
 * which it never posts). Failures carry Evolution's own envelopes, "[object Object]" included.
 */
import { randomInt } from 'node:crypto';
import { newSimMessageId, SimFanOut } from './fan-out';
import { type EmitWebhook, SimError, type SimInstance, type SimNetwork, digitsOf } from './network';
import type { SimProfiles } from './profiles';
import type { SimContent, SimMessageKind } from './records';

export type SimGroupRole = 'superadmin' | 'admin' | null;

export interface SimGroupMember {
  phone: string;
  role: SimGroupRole;
  joinedAt: number;
}

export interface SimGroup {
  groupJid: string;
  subject: string;
  description: string | null;
  ownerPhone: string;
  createdBy: string;
  createdAt: number;
  members: SimGroupMember[];
}

export interface GroupMessageRecord {
  messageId: string;
  groupJid: string;
  fromInstance: string;
  fromPhone: string;
  kind: SimMessageKind;
  text: string;
  reactedTo?: string;
  at: number;
  /** Instances the message reached, in order of arrival. */
  deliveredTo: string[];
  /** Instances that read it on arrival (their settings' readMessages). */
  readBy: string[];
}

interface StoredGroupMessage extends GroupMessageRecord {
  messageType: string;
  message: Record<string, unknown>;
}

const jid = (phone: string): string => `${phone}@s.whatsapp.net`;
const seconds = (ms: number): number => Math.floor(ms / 1000);

export class SimGroups {
  private readonly groups = new Map<string, SimGroup>();
  private readonly log: StoredGroupMessage[] = [];
  private readonly fanOut = new SimFanOut<StoredGroupMessage>((message, receiver) => this.deliver(message, receiver));

  constructor(
    private readonly network: SimNetwork,
    private readonly emit: EmitWebhook,
    private readonly profiles: SimProfiles,
  ) {}

  create(creator: SimInstance, subject: string, description: string | undefined, participants: string[]): Record<string, unknown> {
    requireConnected(creator, 500, 'Error creating group');
    // The schema's "cannot be empty" never fires beside `participants`: WhatsApp refuses the empty name.
    if (subject.trim().length === 0) throw new SimError(500, ['Error creating group', 'Error: bad-request']);
    const now = Date.now();
    const others = [...new Set(participants.map(digitsOf))].filter((p) => p !== creator.phone && this.network.onWhatsApp(p));
    let groupJid: string;
    do groupJid = `120363${String(randomInt(0, 1e12)).padStart(12, '0')}@g.us`;
    while (this.groups.has(groupJid));
    const group: SimGroup = {
      groupJid,
      subject,
      description: description ?? null,
      ownerPhone: creator.phone!,
      createdBy: creator.name,
      createdAt: now,
      members: [
        { phone: creator.phone!, role: 'superadmin', joinedAt: now },
        ...others.map((phone) => ({ phone, role: null, joinedAt: now })),
      ],
    };
    this.groups.set(groupJid, group);
    for (const member of this.instancesOf(group.members.map((m) => m.phone))) this.notify(member, 'groups.upsert', [this.metadata(group)]);
    return this.metadata(group);
  }

  info(instance: SimInstance, groupJid: string): Record<string, unknown> {
    requireConnected(instance, 404, 'Error fetching group');
    const group = this.requireMember(instance, groupJid, 404, 'Error fetching group');
    const { addressingMode: _a, joinApprovalMode: _j, memberAddMode: _m, ...info } = this.metadata(group);
    return { ...info, pictureUrl: null, linkedParent: undefined };
  }

  updateParticipants(instance: SimInstance, groupJid: string, action: string, participants: string[]): Record<string, unknown> {
    const failure = 'Error updating participants';
    requireConnected(instance, 400, failure);
    const group = this.requireMember(instance, groupJid, 400, failure);
    if (action !== 'add' && action !== 'remove') throw new SimError(400, [failure, `Error: the simulator does not ${action} members`]);
    if (!this.memberOf(group, instance.phone!)?.role) throw new SimError(400, [failure, 'Error: not-authorized']);
    const now = Date.now();
    const changed: string[] = [];
    const results = participants.map((raw) => {
      const phone = digitsOf(raw);
      const present = this.memberOf(group, phone) !== undefined;
      let status = '200';
      if (action === 'add' && present) status = '409';
      else if (action === 'add' && !this.network.onWhatsApp(phone)) status = '404';
      else if (action === 'remove' && !present) status = '404';
      else if (action === 'add') group.members.push({ phone, role: null, joinedAt: now });
      else group.members = group.members.filter((m) => m.phone !== phone);
      if (status === '200') changed.push(phone);
      return {
        status,
        jid: jid(phone),
        content: { tag: 'participant', attrs: { jid: jid(phone), ...(status === '200' ? {} : { error: status }) } },
      };
    });
    if (changed.length > 0) {
      const update = { id: groupJid, author: jid(instance.phone!), participants: changed.map(jid), action };
      for (const member of this.instancesOf(group.members.map((m) => m.phone))) {
        if (action === 'add' && changed.includes(member.phone!)) this.notify(member, 'groups.upsert', [this.metadata(group)]);
        else this.notify(member, 'group-participants.update', update);
      }
    }
    return { updateParticipants: results };
  }

  leave(instance: SimInstance, groupJid: string): Record<string, unknown> {
    const failure = 'Unable to leave the group';
    requireConnected(instance, 400, failure);
    const group = this.requireMember(instance, groupJid, 400, failure);
    group.members = group.members.filter((m) => m.phone !== instance.phone);
    // WhatsApp never leaves a group without an admin while it has members.
    if (group.members.length > 0 && !group.members.some((m) => m.role)) {
      const longest = [...group.members].sort((a, b) => a.joinedAt - b.joinedAt)[0]!;
      longest.role = 'admin';
    }
    const update = { id: groupJid, author: jid(instance.phone!), participants: [jid(instance.phone!)], action: 'remove' };
    for (const member of this.instancesOf(group.members.map((m) => m.phone))) this.notify(member, 'group-participants.update', update);
    return { groupJid, leave: true };
  }

  /** The network's route for a send whose number is a group JID (sender open, already checked). */
  send(sender: SimInstance, groupJid: string, content: SimContent): Record<string, unknown> {
    const group = this.groups.get(groupJid);
    // Evolution's "Group not found" is a NotFoundException thrown inside its own try, re-thrown as
    // a BadRequest of its string form: the answer really is "[object Object]".
    if (!group || !this.memberOf(group, sender.phone!)) throw new SimError(400, ['[object Object]']);
    const message: StoredGroupMessage = {
      messageId: newSimMessageId(),
      groupJid,
      fromInstance: sender.name,
      fromPhone: sender.phone!,
      kind: content.kind,
      text: content.text,
      ...(content.reactedTo ? { reactedTo: content.reactedTo } : {}),
      at: Date.now(),
      deliveredTo: [],
      readBy: [],
      messageType: content.messageType,
      message: content.message,
    };
    this.log.push(message);
    const answer = {
      key: { remoteJid: groupJid, fromMe: true, id: message.messageId },
      pushName: '',
      status: 'PENDING',
      message: content.message,
      contextInfo: null,
      messageType: content.messageType,
      messageTimestamp: seconds(message.at),
      instanceId: sender.id,
      source: 'web',
    };
    this.emit(sender, 'send.message', answer);
    const others = group.members.filter((m) => m.phone !== sender.phone).map((m) => m.phone);
    for (const receiver of this.instancesOf(others)) this.fanOut.send(message, receiver);
    return answer;
  }

  connected(instance: SimInstance): void {
    this.fanOut.connected(instance);
  }

  list(): SimGroup[] {
    return [...this.groups.values()].map((g) => ({ ...g, members: g.members.map((m) => ({ ...m })) }));
  }

  messages(groupJid?: string): GroupMessageRecord[] {
    return this.log
      .filter((m) => groupJid === undefined || m.groupJid === groupJid)
      .map(({ messageType: _t, message: _m, ...record }) => ({
        ...record,
        deliveredTo: [...record.deliveredTo],
        readBy: [...record.readBy],
      }));
  }

  pendingFor(name: string): number {
    return this.fanOut.pendingFor(name);
  }

  private deliver(message: StoredGroupMessage, receiver: SimInstance): void {
    message.deliveredTo.push(receiver.name);
    const settings = this.profiles.settings(receiver.name);
    // groupsIgnore drops the webhook only: the phone still has the message.
    if (!settings.groupsIgnore) {
      this.emit(receiver, 'messages.upsert', {
        key: { remoteJid: message.groupJid, fromMe: false, id: message.messageId, participant: jid(message.fromPhone) },
        pushName: message.fromInstance,
        status: 'DELIVERY_ACK',
        message: message.message,
        messageType: message.messageType,
        messageTimestamp: seconds(message.at),
        instanceId: receiver.id,
        source: 'android',
      });
    }
    if (settings.readMessages) message.readBy.push(receiver.name);
  }

  private notify(member: SimInstance, event: 'groups.upsert' | 'group-participants.update', data: unknown): void {
    if (!this.profiles.settings(member.name).groupsIgnore) this.emit(member, event, data);
  }

  private metadata(group: SimGroup): Record<string, unknown> {
    return {
      id: group.groupJid,
      addressingMode: 'pn',
      subject: group.subject,
      subjectOwner: jid(group.ownerPhone),
      subjectTime: seconds(group.createdAt),
      size: group.members.length,
      creation: seconds(group.createdAt),
      owner: jid(group.ownerPhone),
      desc: group.description ?? undefined,
      descId: group.description ? `${group.groupJid.slice(6, 18)}D` : undefined,
      restrict: false,
      announce: false,
      isCommunity: false,
      isCommunityAnnounce: false,
      joinApprovalMode: false,
      memberAddMode: false,
      participants: group.members.map((m) => ({ id: jid(m.phone), admin: m.role })),
    };
  }

  private requireMember(instance: SimInstance, groupJid: string, status: number, failure: string): SimGroup {
    const group = this.groups.get(groupJid);
    if (!group) throw new SimError(status, [failure, 'Error: item-not-found']);
    if (!this.memberOf(group, instance.phone!)) throw new SimError(status, [failure, 'Error: forbidden']);
    return group;
  }

  private memberOf(group: SimGroup, phone: string): SimGroupMember | undefined {
    return group.members.find((m) => m.phone === phone);
  }

  private instancesOf(phones: string[]): SimInstance[] {
    return this.network.list().filter((i) => i.phone !== null && phones.includes(i.phone));
  }
}

/** Baileys fails every call of a closed socket with "Connection Closed"; Evolution wraps it per route. */
export function requireConnected(instance: SimInstance, status: number, failure: string): void {
  if (instance.state !== 'open' || instance.phone === null) throw new SimError(status, [failure, 'Error: Connection Closed']);
}
