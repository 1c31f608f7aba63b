/** A chip's page: its story in charts (health, volume, reply rate, promotions), conversations, alerts, live status, actions. */
import { PHASE_TABLE } from '../domain/phases';
import type { ChipPageData } from './data';
import { markersOf, phaseMinDays } from './data';
import { alertsBlock, type PageLinks } from './fleet-page';
import { esc, jsonScript, page, pct, PHASE_COLOR, PHASE_LABEL, STATUS_COLOR, STATUS_LABEL, temporalLink, time } from './html';

const OUTCOME_LABEL: Record<string, string> = { completed: 'concluída', aborted: 'interrompida', failed: 'falhou' };
const ACTION_LABEL: Record<string, string> = { pause: 'pausar', resume: 'retomar', retire: 'aposentar' };

/** The live status query's fields, known ones first; fields a newer workflow adds are shown as they come. */
function liveBlock(live: ChipPageData['live']): string {
  if (!live.view) {
    const why =
      live.state === 'closed'
        ? `workflow encerrado (${esc((live.closeStatus ?? '').toLowerCase())})`
        : live.state === 'missing'
          ? 'sem workflow'
          : 'nenhum worker respondeu à consulta agora';
    return `<p class="muted" id="live" data-state="${esc(live.state)}">${why}; valores do banco.</p>`;
  }
  const v = live.view;
  const known: [string, unknown][] = [
    ['status', v.status],
    ['motivo do status', v.statusReason],
    ['fase', `${v.phase}, dia ${v.dayInPhase}`],
    ['health', v.health],
    ['taxa de resposta', pct(Number(v.replyRate) || 0)],
    ['enviadas hoje / limite', `${v.sentToday}/${v.cap}`],
    ['pendências', (v.pending ?? []).join(', ') || '-'],
    ['em conversa com', v.busyWith ?? '-'],
  ];
  const shown = new Set([
    'status',
    'statusReason',
    'phase',
    'dayInPhase',
    'health',
    'replyRate',
    'sentToday',
    'cap',
    'pending',
    'busyWith',
    'chipId',
    'promotions',
    'maxSentPerDay',
  ]);
  const extra = Object.entries(v)
    .filter(([k, value]) => !shown.has(k) && value !== null && value !== undefined && typeof value !== 'object')
    .map(([k, value]) => [k, value] as [string, unknown]);
  const rows = [...known, ...extra]
    .map(([k, value]) => `<tr><th>${esc(k)}</th><td data-live="${esc(k)}">${esc(value ?? '-')}</td></tr>`)
    .join('');
  return `<table class="kv" id="live" data-state="running" data-status="${esc(v.status)}">${rows}</table>`;
}

function actionsForm(data: ChipPageData, flash?: { ok: boolean; text: string }): string {
  const status = data.live.view?.status ?? data.row.status;
  const ended = data.live.state === 'closed' || data.live.state === 'missing';
  const message = flash ? `<p class="flash ${flash.ok ? 'ok' : 'err'}" id="flash">${esc(flash.text)}</p>` : '';
  if (ended) {
    const why = data.live.state === 'missing' ? 'Este chip não tem workflow de aquecimento' : 'O aquecimento deste chip terminou';
    return `${message}<p class="muted" id="no-actions">${why}: nada a pausar ou retomar.</p>`;
  }
  const base = `/chips/${esc(data.chip.id)}`;
  const who = '<label>operador <input name="operator" maxlength="80" placeholder="seu nome"></label>';
  return `${message}
<form method="post" action="${base}/pause" class="action" id="pause-form"><label>motivo <input name="reason" maxlength="200" placeholder="por que pausar" required></label>${who}<button ${status === 'paused' ? 'disabled' : ''}>Pausar</button></form>
<form method="post" action="${base}/resume" class="action" id="resume-form">${who}<button ${status !== 'paused' ? 'disabled' : ''}>Retomar</button></form>
<form method="post" action="${base}/retire" class="action danger" id="retire-form" onsubmit="return confirm('Aposentar este chip? O aquecimento termina para sempre.')"><label>motivo <input name="reason" maxlength="200"></label>${who}<button>Aposentar</button></form>`;
}

export function renderChipPage(data: ChipPageData, links: PageLinks, flash?: { ok: boolean; text: string }): string {
  const r = data.row;
  // The live view wins when the workflow answered (its pause reason, a stalled marker it may report).
  const markers = data.live.view
    ? markersOf({
        ...data.live.view,
        status: data.live.view.status,
        pauseReason: data.live.view.statusReason,
        // Older workflows' views have neither; the cap's line only when the ramp reduced it.
        quarantine: data.live.view.quarantine ?? null,
        capText: data.live.view.capReason ? data.live.view.capText : null,
      })
    : r.markers;
  const minDays = phaseMinDays(r.phase);
  const chart = {
    days: data.days.map((d) => d.day),
    health: data.days.map((d) => d.health),
    sent: data.days.map((d) => d.sent),
    received: data.days.map((d) => d.received),
    cap: data.days.map((d) => d.cap),
    replyRate: data.days.map((d) => Math.round(d.replyRate * 1000) / 10),
    phase: data.days.map((d) => d.phase),
    gateHealth: data.days.map((d) => PHASE_TABLE[d.phase].minHealth),
    gateReply: data.days.map((d) => PHASE_TABLE[d.phase].minReplyRate * 100),
    phaseColors: PHASE_COLOR,
    phaseLabels: PHASE_LABEL,
  };
  const timeline = data.transitions.length
    ? `<ol class="timeline" id="promotions">${data.transitions
        .map(
          (t) =>
            `<li style="--c:${PHASE_COLOR[t.to]}"><b>dia ${t.day}</b> ${esc(PHASE_LABEL[t.from])} → <b>${esc(PHASE_LABEL[t.to])}</b> · health ${t.health} · taxa ${pct(t.replyRate)} · ${time(t.at)}</li>`,
        )
        .join('')}</ol>`
    : '<p class="muted" id="promotions">Nenhuma promoção ainda.</p>';
  const conversations = data.conversations.length
    ? `<table class="list" id="conversations"><thead><tr><th>início</th><th>parceiro</th><th>turnos</th><th>resultado</th></tr></thead><tbody>${data.conversations
        .map(
          (c) =>
            `<tr><td>${time(c.startedAt)}</td><td class="phone">${esc(c.partner)}</td><td class="num">${c.turnsDelivered}/${c.turns}</td><td>${esc(c.outcome ? (OUTCOME_LABEL[c.outcome] ?? c.outcome) : 'em andamento')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted" id="conversations">Nenhuma conversa ainda.</p>';
  const audit = data.actions.length
    ? `<table class="list" id="audit"><thead><tr><th>quando</th><th>ação</th><th>quem</th><th>motivo</th></tr></thead><tbody>${data.actions
        .map(
          (a) =>
            `<tr><td>${time(a.createdAt)}</td><td>${esc(ACTION_LABEL[a.action] ?? a.action)}</td><td>${esc(a.actor)} <span class="muted">(${esc(a.source)})</span></td><td>${esc(a.reason ?? '-')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted" id="audit">Nenhuma ação de operador.</p>';
  const body = `
<p><a href="/">← frota</a></p>
<h1>Chip <code>${esc(data.chip.id)}</code> <span class="status" style="--c:${STATUS_COLOR[r.status] ?? '#888'}">${esc(STATUS_LABEL[r.status] ?? r.status)}</span>${markers.map((m) => `<span class="marker">${esc(m)}</span>`).join('')}</h1>
<p class="facts"><span class="phone">${esc(data.chip.phone)}</span> · instância ${esc(data.chip.instance)} · frota ${esc(data.chip.fleetId)} · registrado ${time(data.chip.registeredAt)}
 · <a class="ext" href="${esc(temporalLink(links.temporalUiUrl, links.namespace, data.chip.workflowId))}" target="_blank" rel="noopener">workflow ${esc(data.chip.workflowId)} no Temporal UI</a></p>
<section class="cards kpis">
  <div class="card kpi"><h2>fase</h2><b>${esc(PHASE_LABEL[r.phase])}</b><span>dia ${r.dayInPhase}${minDays ? ` de ${minDays}` : ''}</span></div>
  <div class="card kpi"><h2>health</h2><b id="kpi-health">${r.health}</b></div>
  <div class="card kpi"><h2>taxa de resposta</h2><b id="kpi-reply">${pct(r.replyRate)}</b></div>
  <div class="card kpi"><h2>enviadas hoje / limite</h2><b id="kpi-sent">${r.sentToday}/${r.cap}</b></div>
  <div class="card kpi"><h2>pendências</h2><span id="kpi-pending">${esc(r.pending.join(', ') || '-')}</span></div>
</section>
<section class="cards charts">
  <div class="card"><h2>Health por dia do programa <small class="muted">linhas: mínimo da fase · faixas: fases</small></h2><div class="plot" id="chart-health"></div></div>
  <div class="card"><h2>Enviadas e recebidas por dia <small class="muted">vs limite da fase</small></h2><div class="plot" id="chart-volume"></div></div>
  <div class="card"><h2>Taxa de resposta acumulada <small class="muted">vs mínimo da fase</small></h2><div class="plot" id="chart-reply"></div></div>
  <div class="card"><h2>Promoções</h2>${timeline}</div>
</section>
<section class="cards">
  <div class="card"><h2>Status ao vivo <small class="muted">consulta ao workflow</small></h2>${liveBlock(data.live)}</div>
  <div class="card"><h2>Ações</h2>${actionsForm(data, flash)}</div>
  <div class="card"><h2>Alertas abertos</h2>${alertsBlock(data.alerts, false)}</div>
</section>
<section class="cards">
  <div class="card wide"><h2>Conversas recentes</h2>${conversations}</div>
  <div class="card wide"><h2>Ações registradas</h2>${audit}</div>
</section>
${jsonScript('chart-data', chart)}`;
  return page({
    title: `Warmer · chip ${data.chip.phone}`,
    body,
    scripts: ['/static/uPlot.iife.min.js', '/static/chip-charts.js'],
    styles: ['/static/uPlot.min.css'],
  });
}
