import { scrubPhones, toSlackMessage } from '../../../src/adapters/notify/messages';
import type { Notification } from '../../../src/adapters/notify/port';
import { PHASE_EMOJI, PHASES, type Phase } from '../../../src/domain/phases';

const PHONE = '5511987654321';

const promotion = (from: Phase, to: Phase): Notification => ({ kind: 'promotion', phone: PHONE, from, to, health: 72.4, replyRate: 0.456 });

describe('toSlackMessage', () => {
  it('announces a promotion with the seed emoji of the new phase and its four fields', () => {
    expect(toSlackMessage(promotion('primeiros_contatos', 'expansao'))).toEqual({
      text: ':herb: Chip avançou de fase!\nTelefone: ***4321 | Progressão: primeiros_contatos → expansao | Health: 72 | Taxa Resposta: 46%',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':herb: Chip avançou de fase!', emoji: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Telefone*\n`***4321`' },
            { type: 'mrkdwn', text: '*Progressão*\nprimeiros_contatos → expansao' },
            { type: 'mrkdwn', text: '*Health*\n72' },
            { type: 'mrkdwn', text: '*Taxa Resposta*\n46%' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Fase expansao: até 30 mensagens por dia' }] },
      ],
    });
  });

  it.each(PHASES.slice(1).map((to, i) => [PHASES[i]!, to] as const))('uses the emoji of %s → %s', (from, to) => {
    const message = toSlackMessage(promotion(from, to));
    expect(message.text.startsWith(`${PHASE_EMOJI[to]} Chip avançou de fase!`)).toBe(true);
  });

  it('announces a chip ready for production', () => {
    expect(toSlackMessage({ kind: 'ready', phone: PHONE, health: 91 })).toEqual({
      text: ':white_check_mark: CHIP PRONTO PARA PRODUÇÃO!\nTelefone: ***4321 | Health: 91',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':white_check_mark: CHIP PRONTO PARA PRODUÇÃO!', emoji: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Telefone*\n`***4321`' },
            { type: 'mrkdwn', text: '*Health*\n91' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Programa de warm-up concluído (mínimo de 21 dias)' }] },
      ],
    });
  });

  it('raises a critical alert with title, message and masked phone', () => {
    const message = toSlackMessage({
      kind: 'alert',
      severity: 'critical',
      title: 'Chip pausado',
      message: 'Taxa de erro acima do limite; o chip foi pausado automaticamente.',
      phone: PHONE,
    });
    expect(message).toEqual({
      text: ':rotating_light: *Chip pausado*\nTaxa de erro acima do limite; o chip foi pausado automaticamente.\nTelefone: ***4321',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':rotating_light: Chip pausado', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: 'Taxa de erro acima do limite; o chip foi pausado automaticamente.' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Telefone*\n`***4321`' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Alerta crítico · Warmer' }] },
      ],
    });
  });

  it('raises a fleet-wide warning without a phone field', () => {
    const message = toSlackMessage({
      kind: 'alert',
      severity: 'warning',
      title: 'Muitas falhas de envio',
      message: 'Três chips com erros <hoje> & agora',
    });
    expect(message.text).toBe(':warning: *Muitas falhas de envio*\nTrês chips com erros &lt;hoje&gt; &amp; agora');
    expect(message.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: ':warning: Muitas falhas de envio', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'Três chips com erros &lt;hoje&gt; &amp; agora' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Aviso · Warmer' }] },
    ]);
  });

  it('masks any phone that slipped into the free text of an alert', () => {
    const message = toSlackMessage({
      kind: 'alert',
      severity: 'critical',
      title: 'Chip 5511987654321 banido',
      message: 'O número +55 (11) 98765-4321 foi banido; o par 5521912345678@s.whatsapp.net segue ativo.',
      phone: PHONE,
    });
    const everything = JSON.stringify(message);
    expect(everything).not.toMatch(/\d{5,}/);
    expect(everything).not.toContain('98765');
    expect(message.text).toContain('Chip ***4321 banido');
    expect(message.text).toContain('O número ***4321 foi banido; o par ***5678@s.whatsapp.net segue ativo.');
  });

  it('summarises the day, with Pausados and Banidos only when given', () => {
    const base = { kind: 'daily_summary', warming: 12, ready: 3, averageHealth: 67.6, openAlerts: 2 } as const;
    expect(toSlackMessage(base)).toEqual({
      text: ':bar_chart: *Resumo Diário - Warmer*\nEm Warm-up: 12 | Prontos: 3 | Health Médio: 68 | Alertas Ativos: 2',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: ':bar_chart: Resumo Diário - Warmer', emoji: true } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Em Warm-up*\n12' },
            { type: 'mrkdwn', text: '*Prontos*\n3' },
            { type: 'mrkdwn', text: '*Health Médio*\n68' },
            { type: 'mrkdwn', text: '*Alertas Ativos*\n2' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Warmer · resumo diário da frota' }] },
      ],
    });
    const full = toSlackMessage({ ...base, paused: 1, banned: 0 });
    expect(full.text).toBe(
      ':bar_chart: *Resumo Diário - Warmer*\nEm Warm-up: 12 | Prontos: 3 | Health Médio: 68 | Alertas Ativos: 2 | Pausados: 1 | Banidos: 0',
    );
    expect(full.blocks[1]).toEqual(expect.objectContaining({ fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Banidos*\n0' }]) }));
  });

  it('escapes mrkdwn control characters so free text cannot ping a channel', () => {
    const message = toSlackMessage({ kind: 'alert', severity: 'critical', title: '<!channel> urgente', message: '<!here> olhem' });
    expect(message.text).toBe(':rotating_light: *&lt;!channel&gt; urgente*\n&lt;!here&gt; olhem');
    expect(JSON.stringify(message.blocks.slice(1))).not.toMatch(/<!/);
  });

  it('keeps Slack limits on long titles', () => {
    const message = toSlackMessage({ kind: 'alert', severity: 'warning', title: 'x'.repeat(300), message: 'y' });
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(150);
  });
});

describe('scrubPhones', () => {
  it('masks 10-15 digit runs in any common spelling and leaves short numbers alone', () => {
    expect(scrubPhones('ligar 5511987654321 ou +55 11 98765-4321 ou (11) 98765.4321')).toBe('ligar ***4321 ou ***4321 ou ***4321');
    expect(scrubPhones('health 45, 3 chips, 12:30, erro 503, código 123456789')).toBe(
      'health 45, 3 chips, 12:30, erro 503, código 123456789',
    );
  });
});
