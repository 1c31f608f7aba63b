import { ChipMachine } from '../../src/domain/chip-machine';
import { type ChipState, upgradeState } from '../../src/domain/chip-state';
import { programClock, realAtMinute } from '../../src/domain/clock';
import { CODES_BY_CLASS, alertText, classifyCode, classifyEvent, classifyFact, statusLine } from '../../src/domain/disconnect-reasons';
import { conversationClosesAt, turnFitsWindow } from '../../src/domain/conversation-window';
import { activityWindow } from '../../src/domain/window';
import { minuteOfDay } from '../../src/domain/clock';

const clock = programClock();
const DAY = clock.dayMs;
const CHIP = 'chip-under-test';
const T0 = realAtMinute(clock, Date.UTC(2025, 0, 10, 15), 12 * 60);
const MIN = 60_000;

function machine(state: Partial<ChipState> = {}, classified = true): ChipMachine {
  return new ChipMachine(CHIP, clock, upgradeState({ phase: 'expansao', ...state }, T0 - 30 * DAY, clock, T0), {
    paceScale: 0,
    classifiedDisconnects: () => classified,
  });
}

describe('every code and event has its class', () => {
  it.each([
    [401, 'reconnect', 'loggedOut'],
    [411, 'reconnect', 'multideviceMismatch'],
    [440, 'reconnect', 'connectionReplaced'],
    [500, 'reconnect', 'badSession'],
    [408, 'transient', 'connectionLost'],
    [428, 'transient', 'connectionClosed'],
    [503, 'transient', 'unavailableService'],
    [515, 'transient', 'restartRequired'],
    [402, 'forbidden', 'temporaryBan'],
    [403, 'forbidden', 'forbidden'],
    [406, 'forbidden', 'permanentBan'],
  ])('code %p is %s (%s)', (code, cls, name) => {
    expect(classifyCode(code)).toMatchObject({ class: cls, code, name });
  });

  it('the classes list each known code once', () => {
    const all = [...CODES_BY_CLASS.reconnect, ...CODES_BY_CLASS.transient, ...CODES_BY_CLASS.forbidden];
    expect(new Set(all).size).toBe(all.length);
    expect(CODES_BY_CLASS.forbidden).toEqual([402, 403, 406]);
  });

  it.each([0, 200, 499, 999, 1000])('code %p is unknown, never forbidden', (code) => {
    expect(classifyCode(code)).toMatchObject({ class: 'unknown', code });
  });

  it('a close without a code is a lost connection; the events have their classes', () => {
    expect(classifyCode(undefined).class).toBe('transient');
    expect(classifyCode(null).class).toBe('transient');
    expect(classifyEvent('logout.instance')).toMatchObject({ class: 'reconnect', code: null });
    expect(classifyEvent('connecting')).toMatchObject({ class: 'transient', code: null });
  });

  it("a chip's fact: logged_out is a lost session whatever its code; disconnected with a ban code is only a drop", () => {
    expect(classifyFact('logged_out', '440')).toMatchObject({ class: 'reconnect', code: 440 });
    expect(classifyFact('logged_out', undefined)).toMatchObject({ class: 'reconnect', name: 'logoutInstance' });
    expect(classifyFact('logged_out', '428')).toMatchObject({ class: 'reconnect', name: 'logoutInstance' });
    expect(classifyFact('disconnected', '515')).toMatchObject({ class: 'transient', code: 515 });
    expect(classifyFact('disconnected', '777')).toMatchObject({ class: 'unknown', code: 777 });
    expect(classifyFact('disconnected', '403')).toMatchObject({ class: 'transient', code: 403 });
    expect(classifyFact('disconnected', 'x')).toMatchObject({ class: 'transient', code: null });
  });

  it('the texts say what happened and what to do (pt-BR)', () => {
    expect(statusLine(classifyCode(401))).toBe('desconectado — leia o QR code de novo');
    expect(alertText(classifyCode(401))).toMatch(/Reconecte: leia o QR code de novo/);
    expect(alertText(classifyCode(428), 45)).toMatch(/há 45 min/);
    expect(statusLine(classifyCode(777))).toMatch(/código 777 desconhecido/);
    expect(alertText(classifyCode(777))).toMatch(/nenhum banimento/);
    expect(alertText(classifyCode(403))).toMatch(/banido/);
  });
});

describe("the chip's reactions (chip-connection-rules.ts)", () => {
  it('401: paused as reconnect with the QR alert; resumes by itself when the connection is open', () => {
    const m = machine({ busy: { conversationId: 'c1', role: 'initiator', reserved: 3, leaseUntilMs: T0 + DAY } });
    expect(m.providerEvent({ kind: 'logged_out', atMs: T0, detail: '401' }, T0)).toEqual([
      { kind: 'abort_conversation', conversationId: 'c1', reason: 'logged_out' },
    ]);
    const effects = m.pauseIfDisconnected();
    expect(effects).toEqual([
      expect.objectContaining({
        kind: 'alert',
        severity: 'warning',
        alertKind: 'chip_reconnect',
        message: expect.stringMatching(/QR code/),
      }),
    ]);
    expect(m.view(T0)).toMatchObject({ status: 'paused', pausedBy: 'reconnect', statusReason: 'desconectado — leia o QR code de novo' });
    // A lost session waits for the operator: no re-check timer.
    expect(m.connectionRecheckAt(30 * MIN)).toBeNull();
    expect(m.pauseIfDisconnected()).toBeNull();
    m.providerEvent({ kind: 'connected', atMs: T0 + MIN }, T0 + MIN);
    expect(m.view(T0 + MIN)).toMatchObject({ status: 'warming', pausedBy: null });
    expect(m.mayConverse).toBe(true);
  });

  it('a drop: held silently, re-checked, alerted once when it lasts, resumed when the check finds it open', () => {
    const m = machine();
    m.providerEvent({ kind: 'disconnected', atMs: T0, detail: '428' }, T0);
    expect(m.pauseIfDisconnected()).toEqual([]);
    expect(m.view(T0)).toMatchObject({ status: 'paused', pausedBy: 'provider' });
    expect(m.connectionRecheckAt(30 * MIN)).toBe(T0 + 30 * MIN);
    const lasting = m.connectionChecked('connecting', T0 + 30 * MIN);
    expect(lasting).toEqual([expect.objectContaining({ alertKind: 'connection_lost', message: expect.stringMatching(/há 30 min/) })]);
    expect(m.connectionRecheckAt(30 * MIN)).toBe(T0 + 60 * MIN);
    expect(m.connectionChecked('close', T0 + 60 * MIN)).toEqual([]);
    expect(m.connectionChecked('open', T0 + 90 * MIN)).toEqual([{ kind: 'resolve_alert', alertKind: 'connection_lost' }]);
    expect(m.view(T0 + 90 * MIN).status).toBe('warming');
    // Healed by itself: no warning sign for the ramp.
    expect(m.signsPending).toBe(false);
  });

  it('a drop healed before any check resumes with no alert; a session lost during a drop pauses again as reconnect', () => {
    const m = machine();
    m.providerEvent({ kind: 'disconnected', atMs: T0 }, T0);
    m.pauseIfDisconnected();
    m.providerEvent({ kind: 'connected', atMs: T0 }, T0 + MIN);
    expect(m.view(T0 + MIN).status).toBe('warming');

    m.providerEvent({ kind: 'disconnected', atMs: T0, detail: '515' }, T0 + 2 * MIN);
    expect(m.pauseIfDisconnected()).toEqual([]);
    m.providerEvent({ kind: 'logged_out', atMs: T0 }, T0 + 3 * MIN);
    expect(m.pauseIfDisconnected()).toEqual([expect.objectContaining({ alertKind: 'chip_reconnect' })]);
    expect(m.view(T0 + 3 * MIN).pausedBy).toBe('reconnect');
  });

  it('an unknown code holds the chip with one alert and never bans it', () => {
    const m = machine();
    m.providerEvent({ kind: 'disconnected', atMs: T0, detail: '777' }, T0);
    expect(m.pauseIfDisconnected()).toEqual([
      expect.objectContaining({ alertKind: 'chip_disconnected', message: expect.stringMatching(/777/) }),
    ]);
    expect(m.endIfFinal()).toBeNull();
    expect(m.banned).toBe(false);
    expect(m.connectionChecked('close', T0 + 30 * MIN)).toEqual([]);
  });

  it('without the patch (an older history) a lost connection pauses as before', () => {
    const m = machine({}, false);
    m.providerEvent({ kind: 'logged_out', atMs: T0, detail: '401' }, T0);
    expect(m.pauseIfDisconnected()).toEqual([expect.objectContaining({ alertKind: 'chip_disconnected' })]);
    expect(m.view(T0)).toMatchObject({ status: 'paused', pausedBy: 'provider', statusReason: 'instância desconectada' });
    expect(m.connectionRecheckAt(30 * MIN)).toBeNull();
    m.providerEvent({ kind: 'connected', atMs: T0 }, T0 + MIN);
    expect(m.view(T0 + MIN).status).toBe('warming');
    expect(m.signsPending).toBe(true);
  });

  it('repeated calls from outside the fleet are a warning sign', () => {
    const m = machine();
    m.providerEvent({ kind: 'repeated_calls', atMs: T0, eventId: 'calls-1' }, T0);
    expect(m.signsPending).toBe(true);
    m.applySigns();
    expect(m.standingDue(T0)?.standing).toMatchObject({ rampLevel: 1, rampReason: 'chamadas repetidas de fora da frota' });
  });
});

describe('conversation windows (conversation-window.ts)', () => {
  it("closes at the earlier of the two chips' window ends, on the day of the start", () => {
    const a = 'chip-a-window';
    const b = 'chip-b-window';
    const closes = conversationClosesAt(clock, T0, [a, b]);
    expect(minuteOfDay(clock, closes)).toBe(Math.min(activityWindow(a).endMinute, activityWindow(b).endMinute));
    expect(closes).toBeGreaterThan(T0);
    expect(closes - T0).toBeLessThan(DAY / 2);
  });

  it("a group's conversation closes at the earliest of its speakers' window ends", () => {
    const speakers = ['grp-window-1', 'grp-window-2', 'grp-window-3', 'grp-window-4'];
    const closes = conversationClosesAt(clock, T0, speakers);
    expect(minuteOfDay(clock, closes)).toBe(Math.min(...speakers.map((id) => activityWindow(id).endMinute)));
    for (const id of speakers) expect(closes).toBeLessThanOrEqual(conversationClosesAt(clock, T0, [id]));
  });

  it('a turn fits only when it falls before the close; no close means no limit', () => {
    expect(turnFitsWindow(T0 + 10 * MIN, T0, 5 * MIN)).toBe(true);
    expect(turnFitsWindow(T0 + 10 * MIN, T0, 10 * MIN)).toBe(false);
    expect(turnFitsWindow(T0 + 10 * MIN, T0 + 4 * 60 * MIN)).toBe(false);
    expect(turnFitsWindow(undefined, T0 + 4 * 60 * MIN, DAY)).toBe(true);
  });
});
