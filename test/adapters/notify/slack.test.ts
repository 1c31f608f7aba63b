import { createConsoleNotifier } from '../../../src/adapters/notify/console';
import { createNotifier } from '../../../src/adapters/notify';
import { toSlackMessage } from '../../../src/adapters/notify/messages';
import type { Notification } from '../../../src/adapters/notify/port';
import { createSlackNotifier } from '../../../src/adapters/notify/slack';
import { ConfigError } from '../../../src/domain/errors';
import { startSlackReceiver, type SlackReceiver } from './receiver';

const PHONE = '5511987654321';

const NOTIFICATIONS: Notification[] = [
  { kind: 'promotion', phone: PHONE, from: 'expansao', to: 'pre_operacao', health: 86, replyRate: 0.38 },
  { kind: 'ready', phone: PHONE, health: 93 },
  { kind: 'alert', severity: 'critical', title: 'Chip banido', message: `O provedor desconectou ${PHONE}.`, phone: PHONE },
  { kind: 'alert', severity: 'warning', title: 'Disjuntor da frota acionado', message: 'Envios suspensos para todos os chips.' },
  { kind: 'daily_summary', warming: 8, ready: 2, averageHealth: 71.2, openAlerts: 1, paused: 1, banned: 0 },
];

let receiver: SlackReceiver;
let lines: string[];

beforeEach(async () => {
  receiver = await startSlackReceiver();
  lines = [];
});

afterEach(async () => {
  await receiver.close();
});

const slack = (overrides: Partial<Parameters<typeof createSlackNotifier>[0]> = {}) =>
  createSlackNotifier({ webhookUrl: receiver.url, log: (line) => lines.push(line), retryDelayMs: 50, ...overrides });

describe('createSlackNotifier against a local webhook receiver', () => {
  it.each(NOTIFICATIONS.map((n) => [n.kind === 'alert' ? `${n.kind}/${n.severity}` : n.kind, n] as const))(
    'posts the %s message as Block Kit JSON with a text fallback',
    async (_label, notification) => {
      await slack().notify(notification);
      expect(receiver.posts).toHaveLength(1);
      const post = receiver.posts[0]!;
      expect(post.path).toBe('/services/T000/B000/XXXXSECRET');
      expect(post.contentType).toMatch(/application\/json/);
      expect(post.json).toEqual(toSlackMessage(notification));
      expect(post.raw).not.toContain(PHONE);
      expect(post.raw).not.toMatch(/\d{10,}/);
      expect(lines).toEqual([]);
    },
  );

  it('sends what an operator reads: emoji, Portuguese labels, masked phone', async () => {
    await slack().notify(NOTIFICATIONS[0]!);
    const body = receiver.posts[0]!.json as { text: string; blocks: Array<{ type: string; fields?: Array<{ text: string }> }> };
    expect(body.text).toMatch(/^:deciduous_tree: Chip avançou de fase!/);
    expect(body.text).toContain('Telefone: ***4321');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(body.blocks[1]!.fields!.map((f) => f.text)).toEqual([
      '*Telefone*\n`***4321`',
      '*Progressão*\nexpansao → pre_operacao',
      '*Health*\n86',
      '*Taxa Resposta*\n38%',
    ]);
  });

  it('retries a failing Slack a bounded number of times, then logs and resolves', async () => {
    receiver.mode = 'error500';
    const started = Date.now();
    await expect(slack({ retries: 2 }).notify(NOTIFICATIONS[1]!)).resolves.toBeUndefined();
    expect(receiver.posts).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50 + 100 - 10); // backoff doubled between attempts
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[slack\] gave up on a 'ready' notification after 3 attempt\(s\): .*500/);
    expect(lines[0]).not.toContain('XXXXSECRET');
  });

  it('recovers when Slack comes back before the retries run out', async () => {
    receiver.mode = 'error500';
    const notifying = slack({ retries: 2, retryDelayMs: 200 }).notify(NOTIFICATIONS[4]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    receiver.mode = 'ok';
    await notifying;
    expect(receiver.posts).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  it('does not retry a request Slack refuses as invalid (4xx)', async () => {
    receiver.mode = 'error400';
    await slack({ retries: 2 }).notify(NOTIFICATIONS[2]!);
    expect(receiver.posts).toHaveLength(1);
    expect(lines[0]).toMatch(/after 1 attempt\(s\): .*400/);
  });

  it('gives up on a receiver that hangs within (retries + 1) x timeout plus backoff', async () => {
    receiver.mode = 'hang';
    const timeoutMs = 300;
    const started = Date.now();
    await slack({ timeoutMs, retries: 1 }).notify(NOTIFICATIONS[3]!);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(2 * timeoutMs);
    expect(elapsed).toBeLessThan(2 * timeoutMs + 50 + 1_000);
    expect(receiver.posts).toHaveLength(2);
    expect(lines[0]).toMatch(/after 2 attempt\(s\)/);
  });

  it('resolves within the timeout plus a margin when retries are off', async () => {
    receiver.mode = 'hang';
    const started = Date.now();
    await slack({ timeoutMs: 250, retries: 0 }).notify(NOTIFICATIONS[0]!);
    expect(Date.now() - started).toBeLessThan(250 + 750);
    expect(lines).toHaveLength(1);
  });

  it('survives Slack being unreachable', async () => {
    const url = receiver.url;
    await receiver.close();
    const notifier = createSlackNotifier({ webhookUrl: url, retries: 1, retryDelayMs: 10, log: (line) => lines.push(line) });
    await expect(notifier.notify(NOTIFICATIONS[0]!)).resolves.toBeUndefined();
    expect(lines[0]).toMatch(/after 2 attempt\(s\)/);
    receiver = await startSlackReceiver(); // for afterEach
  });

  it('refuses an invalid webhook URL when it is configured, not when it is used', () => {
    expect(() => createSlackNotifier({ webhookUrl: 'not a url' })).toThrow(ConfigError);
    expect(() => createSlackNotifier({ webhookUrl: 'not a url' })).toThrow(/SLACK_WEBHOOK_URL/);
  });
});

describe('without SLACK_WEBHOOK_URL', () => {
  it('logs one masked line per notification', async () => {
    const notifier = createConsoleNotifier({ log: (line) => lines.push(line) });
    for (const n of NOTIFICATIONS) await notifier.notify(n);
    expect(lines).toHaveLength(NOTIFICATIONS.length);
    expect(lines[0]).toBe(
      '[notify:promotion] :deciduous_tree: Chip avançou de fase! | Telefone: ***4321 | Progressão: expansao → pre_operacao | Health: 86 | Taxa Resposta: 38%',
    );
    expect(lines[2]).toBe('[notify:alert] :rotating_light: *Chip banido* | O provedor desconectou ***4321. | Telefone: ***4321');
    for (const line of lines) expect(line).not.toMatch(/\d{10,}/);
  });

  it('createNotifier picks Slack only when a webhook URL is set', async () => {
    await createNotifier({ slackWebhookUrl: receiver.url, log: (line) => lines.push(line) }).notify(NOTIFICATIONS[1]!);
    expect(receiver.posts).toHaveLength(1);
    await createNotifier({ slackWebhookUrl: '', log: (line) => lines.push(line) }).notify(NOTIFICATIONS[1]!);
    await createNotifier({ log: (line) => lines.push(line) }).notify(NOTIFICATIONS[1]!);
    expect(receiver.posts).toHaveLength(1);
    expect(lines).toEqual([
      '[notify:ready] :white_check_mark: CHIP PRONTO PARA PRODUÇÃO! | Telefone: ***4321 | Health: 93',
      '[notify:ready] :white_check_mark: CHIP PRONTO PARA PRODUÇÃO! | Telefone: ***4321 | Health: 93',
    ]);
  });
});
