/**
 * Slack texts, in Brazilian Portuguese, the operators' language. Pure: a Notification in, a Block Kit
 * message out. Phones are masked here (last 4 digits) and any phone-looking digit run that slipped
 * into a free-text title or message is masked too, so no notifier can leak a number.
 */
import { formatPercent, PHASE_EMOJI, PHASE_TABLE, PROGRAM_MIN_DAYS } from '../../domain/phases';
import { maskPhone, scrubPhones } from '../../domain/phone';
import type { Notification } from './port';

export type SlackText = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string };

export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] };

export interface SlackMessage {
  /** Plain fallback: what notifications, screen readers and the console notifier show. */
  text: string;
  blocks: SlackBlock[];
}

/** Slack's limits: header text 150 chars, section text 3000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

export { scrubPhones };

/** Slack's mrkdwn needs only these three escaped. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function unescapeMrkdwn(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatScore(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value)) : '—';
}

interface Field {
  label: string;
  value: string;
  /** Rendered as inline code in blocks: keeps `***1234` from being read as bold markers. */
  code?: boolean;
}

function build(title: { header: string; text: string }, fields: Field[], body: string | undefined, context: string): SlackMessage {
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title.header, HEADER_MAX), emoji: true } }];
  if (body) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(body), SECTION_MAX) } });
  if (fields.length > 0) {
    blocks.push({
      type: 'section',
      fields: fields.map((f) => ({ type: 'mrkdwn', text: `*${f.label}*\n${f.code ? `\`${f.value}\`` : escapeMrkdwn(f.value)}` })),
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(context) }] });

  // `text` is mrkdwn too: escaping keeps a title like "<!channel>" from pinging anyone.
  const lines = [title.text];
  if (body) lines.push(escapeMrkdwn(body));
  if (fields.length > 0) lines.push(fields.map((f) => `${f.label}: ${escapeMrkdwn(f.value)}`).join(' | '));
  return { text: lines.join('\n'), blocks };
}

export const ALERT_EMOJI = { critical: ':rotating_light:', warning: ':warning:' } as const;
export const READY_TITLE = ':white_check_mark: CHIP PRONTO PARA PRODUÇÃO!';
export const SUMMARY_TITLE = ':bar_chart: Resumo Diário - Warmer';

export function toSlackMessage(n: Notification): SlackMessage {
  switch (n.kind) {
    case 'promotion': {
      const title = `${PHASE_EMOJI[n.to]} Chip avançou de fase!`;
      return build(
        { header: title, text: title },
        [
          { label: 'Telefone', value: maskPhone(n.phone), code: true },
          { label: 'Progressão', value: `${n.from} → ${n.to}` },
          { label: 'Health', value: formatScore(n.health) },
          { label: 'Taxa Resposta', value: formatPercent(n.replyRate) },
        ],
        undefined,
        `Fase ${n.to}: até ${PHASE_TABLE[n.to].dailyCap} mensagens por dia`,
      );
    }
    case 'ready':
      return build(
        { header: READY_TITLE, text: READY_TITLE },
        [
          { label: 'Telefone', value: maskPhone(n.phone), code: true },
          { label: 'Health', value: formatScore(n.health) },
        ],
        undefined,
        `Programa de warm-up concluído (mínimo de ${PROGRAM_MIN_DAYS} dias)`,
      );
    case 'alert': {
      const emoji = ALERT_EMOJI[n.severity];
      const title = scrubPhones(n.title.trim());
      return build(
        { header: `${emoji} ${title}`, text: `${emoji} *${escapeMrkdwn(title)}*` },
        n.phone ? [{ label: 'Telefone', value: maskPhone(n.phone), code: true }] : [],
        scrubPhones(n.message.trim()) || undefined,
        n.severity === 'critical' ? 'Alerta crítico · Warmer' : 'Aviso · Warmer',
      );
    }
    case 'daily_summary': {
      const fields: Field[] = [
        { label: 'Em Warm-up', value: String(n.warming) },
        { label: 'Prontos', value: String(n.ready) },
        { label: 'Health Médio', value: formatScore(n.averageHealth) },
        { label: 'Alertas Ativos', value: String(n.openAlerts) },
      ];
      if (n.paused !== undefined) fields.push({ label: 'Pausados', value: String(n.paused) });
      if (n.banned !== undefined) fields.push({ label: 'Banidos', value: String(n.banned) });
      if (n.stalled !== undefined) fields.push({ label: 'Parados (sem conversas)', value: String(n.stalled) });
      if (n.statusPosts !== undefined) fields.push({ label: 'Status postados hoje', value: String(n.statusPosts) });
      if (n.groups !== undefined) fields.push({ label: 'Grupos da frota', value: String(n.groups) });
      if (n.groupMessages !== undefined) fields.push({ label: 'Mensagens em grupo (hoje)', value: String(n.groupMessages) });
      const standings = n.standings ?? [];
      if (n.standings !== undefined) fields.push({ label: 'Em quarentena', value: String(standings.filter((x) => x.quarantine).length) });
      // Why each reduced cap is what it is, one line per chip (phones masked).
      const lines = standings.map(
        (x) =>
          `• ${x.instance} ${maskPhone(x.phone)}: ${[x.capText, x.quarantine ? `em quarentena (${x.quarantine})` : null].filter(Boolean).join(' · ')}`,
      );
      return build(
        { header: SUMMARY_TITLE, text: ':bar_chart: *Resumo Diário - Warmer*' },
        fields,
        lines.length > 0 ? scrubPhones(lines.join('\n')) : undefined,
        'Warmer · resumo diário da frota',
      );
    }
    default: {
      const unknown: never = n;
      throw new Error(`Unknown notification kind '${String((unknown as { kind?: unknown }).kind)}'`);
    }
  }
}
