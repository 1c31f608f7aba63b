import { translateWebhook } from '../../src/webhooks/translate';

const AT = new Date('2025-03-10T12:00:00.000Z');
const envelope = (event: string, data: unknown) => ({
  event,
  instance: 'chip-a',
  data,
  destination: 'http://warmer/webhook',
  date_time: '2025-03-10T09:00:00.000Z',
  sender: '5511990000001@s.whatsapp.net',
  server_url: 'http://evolution',
  apikey: null,
});
const events = (body: unknown) => {
  const result = translateWebhook(body, AT);
  if (!result.ok) throw new Error(`expected ok, got ${result.error}`);
  return result.events;
};
const error = (body: unknown) => {
  const result = translateWebhook(body, AT);
  if (result.ok) throw new Error('expected a rejection');
  return result.error;
};

describe('translateWebhook', () => {
  describe('messages.upsert', () => {
    const inbound = {
      key: { remoteJid: '5511990000002@s.whatsapp.net', fromMe: false, id: '3EB0AA' },
      pushName: 'B',
      status: 'DELIVERY_ACK',
      message: { conversation: 'oi' },
      messageType: 'conversation',
      messageTimestamp: 1741608000,
    };

    it('an inbound message becomes `inbound` with the sender phone from key.remoteJid', () => {
      expect(events(envelope('messages.upsert', inbound))).toEqual([
        { instance: 'chip-a', kind: 'inbound', messageId: '3EB0AA', fromPhone: '5511990000002', at: AT.toISOString() },
      ]);
    });

    it('our own outbound echo (fromMe true) is ignored', () => {
      expect(events(envelope('messages.upsert', { ...inbound, key: { ...inbound.key, fromMe: true } }))).toEqual([]);
    });

    it('a LID-addressed message takes the phone from remoteJidAlt, or has none', () => {
      const lid = { ...inbound, key: { ...inbound.key, remoteJid: '123456789@lid', remoteJidAlt: '5511990000003@s.whatsapp.net' } };
      expect(events(envelope('messages.upsert', lid))[0]?.fromPhone).toBe('5511990000003');
      const bareLid = { ...inbound, key: { ...inbound.key, remoteJid: '123456789@lid' } };
      expect(events(envelope('messages.upsert', bareLid))).toEqual([
        { instance: 'chip-a', kind: 'inbound', messageId: '3EB0AA', at: AT.toISOString() },
      ]);
    });

    it("gives the sender's phone in its canonical form, wherever the payload carries it", () => {
      const old = { ...inbound, key: { ...inbound.key, remoteJid: '551188887777@s.whatsapp.net' } };
      expect(events(envelope('messages.upsert', old))[0]?.fromPhone).toBe('5511988887777');
      const lid = { ...inbound, key: { ...inbound.key, remoteJid: '99887766@lid', senderPn: '552188887777@s.whatsapp.net' } };
      expect(events(envelope('messages.upsert', lid))[0]?.fromPhone).toBe('5521988887777');
      const participant = { ...inbound, key: { ...inbound.key, remoteJid: '99887766@lid', participantPn: '5531977776666@s.whatsapp.net' } };
      expect(events(envelope('messages.upsert', participant))[0]?.fromPhone).toBe('5531977776666');
    });

    it.each(['120363000000@g.us', 'status@broadcast', '120363111@newsletter'])(
      'a message in %s is not a conversation reply',
      (remoteJid) => {
        expect(events(envelope('messages.upsert', { ...inbound, key: { ...inbound.key, remoteJid } }))).toEqual([]);
      },
    );

    it('accepts upper snake case event names and arrays of messages', () => {
      expect(events(envelope('MESSAGES_UPSERT', [inbound, inbound]))).toHaveLength(2);
    });

    it('rejects a message without key or id', () => {
      expect(error(envelope('messages.upsert', { message: {} }))).toMatch(/key/);
      expect(error(envelope('messages.upsert', { key: { remoteJid: 'x', fromMe: false } }))).toMatch(/key\.id/);
    });
  });

  describe('messages.update', () => {
    const update = (status: unknown, extra: Record<string, unknown> = {}) =>
      envelope('messages.update', {
        messageId: 'db-id',
        keyId: '3EB0BB',
        remoteJid: '5511990000002@s.whatsapp.net',
        fromMe: true,
        participant: null,
        status,
        instanceId: 'i',
        ...extra,
      });

    it.each([
      ['ERROR', 'delivery_failed'],
      ['DELIVERY_ACK', 'delivered'],
      ['READ', 'read'],
      ['PLAYED', 'read'],
      [0, 'delivery_failed'],
      [3, 'delivered'],
      [4, 'read'],
    ])('status %p becomes %s', (status, kind) => {
      expect(events(update(status))).toEqual([{ instance: 'chip-a', kind, messageId: '3EB0BB', at: AT.toISOString() }]);
    });

    it.each(['PENDING', 'SERVER_ACK'])('status %s means nothing to Warmer', (status) => {
      expect(events(update(status))).toEqual([]);
    });

    it('updates about messages we received are ignored', () => {
      expect(events(update('READ', { fromMe: false }))).toEqual([]);
    });

    it('falls back to key.id and rejects updates without status or id', () => {
      expect(events(envelope('messages.update', { key: { id: 'K1', fromMe: true }, status: 'READ' }))[0]?.messageId).toBe('K1');
      expect(error(update(undefined))).toMatch(/status/);
      expect(error(update('READ', { keyId: undefined }))).toMatch(/keyId/);
    });
  });

  describe('connection.update', () => {
    // The provider's own stamp travels along: a redelivery carries the same one.
    const T = { providerTime: '2025-03-10T09:00:00.000Z' };
    const connection = (state: unknown, statusReason?: unknown) =>
      envelope('connection.update', { instance: 'chip-a', state, statusReason });

    it.each([
      [401, 'logged_out'],
      [402, 'banned'],
      [403, 'banned'],
      [406, 'banned'],
      [428, 'disconnected'],
      [408, 'disconnected'],
      [515, 'disconnected'],
      [440, 'logged_out'],
      [500, 'logged_out'],
      // An unknown code is never a ban.
      [499, 'disconnected'],
    ])('close with statusReason %p becomes %s', (statusReason, kind) => {
      expect(events(connection('close', statusReason))).toEqual([{ instance: 'chip-a', kind, statusReason, at: AT.toISOString(), ...T }]);
    });

    it('close without a reason is a disconnect; a string reason is parsed', () => {
      expect(events(connection('close'))).toEqual([{ instance: 'chip-a', kind: 'disconnected', at: AT.toISOString(), ...T }]);
      expect(events(connection('close', '403'))[0]).toMatchObject({ kind: 'banned', statusReason: 403 });
      expect(events(connection('close', null))[0]).toEqual({ instance: 'chip-a', kind: 'disconnected', at: AT.toISOString(), ...T });
    });

    it('open is `connected`; connecting (the provider reconnecting, statusReason 200) is `connecting` without a code', () => {
      expect(events(connection('open', 200))).toEqual([{ instance: 'chip-a', kind: 'connected', at: AT.toISOString(), ...T }]);
      expect(events(connection('connecting', 200))).toEqual([{ instance: 'chip-a', kind: 'connecting', at: AT.toISOString(), ...T }]);
      expect(events(connection('refused', 428))).toEqual([]);
    });

    it('rejects an update without state, and data that is not one object', () => {
      expect(error(envelope('connection.update', { statusReason: 401 }))).toMatch(/state/);
      expect(error(envelope('connection.update', [{ instance: 'chip-a', state: 'close', statusReason: 403 }]))).toMatch(/one object/);
    });
  });

  it('rejects a delivery with more items than any real one carries', () => {
    const item = { keyId: 'm', fromMe: true, status: 'READ' };
    expect(
      events(
        envelope(
          'messages.update',
          Array.from({ length: 100 }, () => item),
        ),
      ),
    ).toHaveLength(100);
    expect(
      error(
        envelope(
          'messages.update',
          Array.from({ length: 101 }, () => item),
        ),
      ),
    ).toMatch(/at most 100/);
  });

  describe('status.instance, logout.instance and call (how Evolution reports a closed session and a call)', () => {
    const T = { providerTime: '2025-03-10T09:00:00.000Z' };
    const status = (data: unknown) => envelope('STATUS_INSTANCE', data);

    it.each([
      [401, 'logged_out'],
      [403, 'banned'],
      [402, 'banned'],
      [406, 'banned'],
      [440, 'logged_out'],
      [428, 'disconnected'],
      [777, 'disconnected'],
    ])('status.instance closed with disconnectionReasonCode %p becomes %s', (code, kind) => {
      expect(events(status({ instance: 'chip-a', status: 'closed', disconnectionReasonCode: code }))).toEqual([
        { instance: 'chip-a', kind, statusReason: code, at: AT.toISOString(), ...T },
      ]);
    });

    it('status.instance other than closed is nothing; without a status it is refused', () => {
      expect(events(status({ instance: 'chip-a', status: 'connected' }))).toEqual([]);
      expect(error(status({ instance: 'chip-a' }))).toMatch(/status/);
      expect(error(status([{ status: 'closed' }]))).toMatch(/one object/);
    });

    it('logout.instance (data null, as Evolution posts it) is a logout without a code', () => {
      expect(events(envelope('logout.instance', null))).toEqual([{ instance: 'chip-a', kind: 'logged_out', at: AT.toISOString(), ...T }]);
      expect(events(envelope('LOGOUT_INSTANCE', {}))).toEqual([{ instance: 'chip-a', kind: 'logged_out', at: AT.toISOString(), ...T }]);
    });

    it("a call's offer is a `call` with the call id and the caller's phone; its later states are the same call", () => {
      const offer = { from: '5511990000002@s.whatsapp.net', id: 'CALL1', status: 'offer', isGroup: false, isVideo: false };
      expect(events(envelope('call', offer))).toEqual([
        { instance: 'chip-a', kind: 'call', messageId: 'CALL1', fromPhone: '5511990000002', at: AT.toISOString() },
      ]);
      expect(events(envelope('CALL', { ...offer, status: 'reject' }))).toEqual([]);
      expect(events(envelope('call', { ...offer, from: '123@lid' }))).toEqual([
        { instance: 'chip-a', kind: 'call', messageId: 'CALL1', at: AT.toISOString() },
      ]);
      expect(error(envelope('call', { ...offer, id: undefined }))).toMatch(/id/);
      expect(error(envelope('call', { ...offer, from: 7 }))).toMatch(/from/);
    });
  });

  it('other events are accepted and ignored', () => {
    expect(events(envelope('presence.update', { id: 'x', presences: {} }))).toEqual([]);
    expect(events(envelope('send.message', { key: { id: 'x' } }))).toEqual([]);
  });

  it.each([
    ['null', null],
    ['an array', [1, 2]],
    ['a string', 'messages.upsert'],
    ['no event', { instance: 'chip-a', data: {} }],
    ['no instance', { event: 'messages.upsert', data: {} }],
    ['no data', { event: 'messages.upsert', instance: 'chip-a' }],
    ['scalar data', { event: 'connection.update', instance: 'chip-a', data: 7 }],
    ['data holding scalars', { event: 'messages.upsert', instance: 'chip-a', data: [1] }],
  ])('rejects %s', (_label, body) => {
    expect(translateWebhook(body, AT).ok).toBe(false);
  });
});
