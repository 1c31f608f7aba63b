/**
 * Dropped connections and incoming calls, with the webhook payloads Evolution v2.3.6 posts for them
 * (read from whatsapp.baileys.service.ts: connectionUpdate and the `call` handler).
 */
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { ProviderDisconnected } from '../../src/domain/errors';
import { API_KEY, CHIP_A, CHIP_B } from './fixtures';
import { eventsOf, jid, rawCall, startPersonStack, type PersonStack } from './person-fixtures';

let stack: PersonStack;

beforeEach(async () => {
  stack = await startPersonStack();
});
afterEach(async () => {
  await stack.close();
});

const bodies = () => stack.sink.received.map((r) => r.body);

describe('simulator: connections that drop', () => {
  it.each([401, 402, 403, 406])(
    'code %i closes for good: status.instance, logout.instance, then connection.update close with the code',
    async (code) => {
      stack.sim.control.dropConnection(CHIP_A.instance, code);
      await stack.sim.control.idle();

      expect(bodies().map((b) => [b.event, b.instance])).toEqual([
        ['status.instance', CHIP_A.instance],
        ['logout.instance', CHIP_A.instance],
        ['connection.update', CHIP_A.instance],
      ]);
      const [status, logout, connection] = bodies();
      expect(status!.data).toEqual({
        instance: CHIP_A.instance,
        status: 'closed',
        disconnectionAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        disconnectionReasonCode: code,
        disconnectionObject: expect.stringContaining(`"statusCode":${code}`),
      });
      expect(logout!.data).toBeNull();
      expect(connection!.data).toEqual({ instance: CHIP_A.instance, state: 'close', statusReason: code });
      expect(stack.sim.control.state(CHIP_A.instance)).toBe('close');
      const [row] = (await rawCall(stack.sim, 'GET', `/instance/fetchInstances?instanceName=${CHIP_A.instance}`)).json as unknown as Array<
        Record<string, unknown>
      >;
      expect(row).toMatchObject({ connectionStatus: 'close', disconnectionReasonCode: code });
    },
  );

  it.each([408, 411, 428, 440, 500, 503, 515])(
    'code %i reconnects as Evolution does: only connection.update connecting (statusReason 200), then open',
    async (code) => {
      const client = createEvolutionClient({ baseUrl: stack.sim.url, apiKey: API_KEY, retries: 0 });
      // Long enough that the checks below run while it is still connecting, even on a loaded machine.
      stack.sim.control.dropConnection(CHIP_B.instance, code, { reconnectAfterMs: 1_000 });
      expect(stack.sim.control.state(CHIP_B.instance)).toBe('connecting');
      expect(await client.connectionState(CHIP_B.instance)).toBe('connecting');
      await expect(client.sendText(CHIP_B.instance, CHIP_A.phone, 'oi')).rejects.toBeInstanceOf(ProviderDisconnected);
      const waiting = await client.sendText(CHIP_A.instance, CHIP_B.phone, 'tá aí?');
      expect(stack.sim.control.pendingDeliveries(CHIP_B.instance)).toBe(1);

      for (let waited = 0; stack.sim.control.state(CHIP_B.instance) !== 'open' && waited < 15_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await stack.sim.control.idle();
      expect(stack.sim.control.state(CHIP_B.instance)).toBe('open');
      const connection = eventsOf(stack.sink, 'connection.update');
      expect(connection.map((e) => [e.instance, e.data.state, e.data.statusReason])).toEqual([
        [CHIP_B.instance, 'connecting', 200],
        [CHIP_B.instance, 'open', 200],
      ]);
      expect(eventsOf(stack.sink, 'status.instance')).toEqual([]);
      expect(stack.sim.control.deliveryCount(waiting.key.id)).toBe(1);
    },
  );

  it.each([401, 403, 440, 428, 408, 515, 500])('a raw close with code %i can still be posted for a classifier test', async (code) => {
    stack.sim.control.disconnect(CHIP_A.instance, { statusReason: code, emit: true });
    await stack.sim.control.idle();
    expect(eventsOf(stack.sink, 'connection.update').map((e) => e.data)).toEqual([
      { instance: CHIP_A.instance, state: 'close', statusReason: code },
    ]);
  });
});

describe('simulator: incoming calls', () => {
  it('posts the call offer; with rejectCall and msgCall set it rejects and texts the caller first', async () => {
    await rawCall(stack.sim, 'POST', `/settings/set/${CHIP_A.instance}`, {
      rejectCall: true,
      msgCall: 'Oi! Não consigo atender agora, me manda mensagem 🙂',
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: false,
      readStatus: false,
      syncFullHistory: false,
    });
    const record = stack.sim.control.incomingCall(CHIP_A.instance, CHIP_B.phone);
    await stack.sim.control.idle();

    expect(record).toMatchObject({
      instance: CHIP_A.instance,
      fromPhone: CHIP_B.phone,
      reached: true,
      rejected: true,
      replied: true,
      isVideo: false,
    });
    const [call] = eventsOf(stack.sink, 'call');
    expect(call).toEqual({
      instance: CHIP_A.instance,
      data: {
        chatId: jid(CHIP_B.phone),
        from: jid(CHIP_B.phone),
        isGroup: false,
        id: record.callId,
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        isVideo: false,
        status: 'offer',
        offline: false,
      },
    });
    expect(stack.sim.control.messagesBetween(CHIP_A.instance, CHIP_B.instance)).toEqual([
      expect.objectContaining({
        fromInstance: CHIP_A.instance,
        toInstance: CHIP_B.instance,
        text: 'Oi! Não consigo atender agora, me manda mensagem 🙂',
      }),
    ]);
    // The reply goes out before the call event, and Evolution posts its own reply as an upsert too.
    const order = bodies()
      .filter((b) => b.instance === CHIP_A.instance && b.event !== 'messages.update')
      .map((b) => b.event);
    expect(order).toEqual(['send.message', 'messages.upsert', 'call']);
    expect(stack.sim.control.calls()).toEqual([record]);
  });

  it('with default settings only posts the offer; a closed instance is never reached', async () => {
    const video = stack.sim.control.incomingCall(CHIP_A.instance, '5511990009999', { isVideo: true });
    expect(video).toMatchObject({ reached: true, rejected: false, replied: false, isVideo: true });
    stack.sim.control.disconnect(CHIP_B.instance);
    expect(stack.sim.control.incomingCall(CHIP_B.instance, CHIP_A.phone)).toMatchObject({ reached: false });
    await stack.sim.control.idle();
    expect(eventsOf(stack.sink, 'call').map((e) => [e.instance, e.data.isVideo])).toEqual([[CHIP_A.instance, true]]);
    expect(stack.sim.control.sent()).toEqual([]);
  });
});

describe('simulator: readMessages reads every arrival at once', () => {
  it('a one-to-one message to a chip with readMessages on is read as it arrives (READ to the sender)', async () => {
    await rawCall(stack.sim, 'POST', `/settings/set/${CHIP_B.instance}`, {
      rejectCall: false,
      groupsIgnore: false,
      alwaysOnline: false,
      readMessages: true,
      readStatus: false,
      syncFullHistory: false,
    });
    const sent = await rawCall(stack.sim, 'POST', `/message/sendText/${CHIP_A.instance}`, { number: CHIP_B.phone, text: 'oi' });
    const id = (sent.json.key as { id: string }).id;
    await stack.sim.control.idle();
    expect(stack.sim.control.reads()).toEqual([expect.objectContaining({ instance: CHIP_B.instance, id })]);
    expect(eventsOf(stack.sink, 'messages.update').map((e) => [e.instance, e.data.status])).toEqual([
      [CHIP_A.instance, 'DELIVERY_ACK'],
      [CHIP_A.instance, 'READ'],
    ]);
  });
});
