/** A chip's page: its story in charts (health, volume, reply rate, promotions), conversations, alerts, live status, actions. */
import { groupsCard } from './groups-card';
import { PHASE_TABLE } from '../domain/phases';
import type { WorkflowState } from '../client/fleet';
import type { ChipStatusView } from '../domain/chip-state';
import type { ChipPageData, ChipPageRow } from './data';
import { phaseMinDays } from './data';
import { alertsBlock, type PageLinks } from './fleet-page';
import { profileCard } from './profile-card';
import { esc, jsonScript, page, pct, PHASE_COLOR, PHASE_LABEL, STATUS_COLOR, STATUS_LABEL, temporalLink, time } from './html';

const OUTCOME_LABEL: Record<string, string> = {
  completed: 'concluída',
  aborted: 'interrompida',
  failed: 'falhou',
  cut_short: 'encerrada no fim da janela',
};
const ACTION_LABEL: Record<string, string> = {
  pause: 'pausar',
  resume: 'retomar',
  retire: 'aposentar',
  profile_done: 'perfil: passo feito à mão',
  profile_retry: 'perfil: tentar de novo',
};

const PAUSED_BY_LABEL: Record<string, string> = {
  operator: 'operador',
  early_warning: 'alerta precoce',
  fleet_breaker: 'disjuntor da frota',
  provider: 'provedor',
};

/** Why the database answers for the workflow, on the page's source line and in the live panel. */
const DATABASE_BECAUSE: Record<WorkflowState, string> = {
  running: 'workflow indisponível',
  unanswered: 'workflow indisponível',
  closed: 'workflow encerrado',
  missing: 'sem workflow',
};

/** Where every figure at the top of the page comes from. */
export function sourceLabel(row: ChipPageRow): string {
  return row.source === 'workflow' ? 'fonte: workflow' : `fonte: banco de dados (${DATABASE_BECAUSE[row.workflow]})`;
}

type LiveView = NonNullable<ChipPageData['live']['view']>;

/**
 * Every field of the workflow's status query, with its label (null: shown elsewhere on the page or
 * not for operators). Typed over the whole view, so a field added to it does not compile without a label.
 */
const LIVE_FIELDS: Record<keyof ChipStatusView, { label: string; show: (v: LiveView) => unknown } | null> = {
  status: { label: 'status', show: (v) => STATUS_LABEL[v.status] ?? v.status },
  statusReason: { label: 'motivo', show: (v) => v.statusReason },
  pausedBy: { label: 'pausado por', show: (v) => (v.pausedBy ? (PAUSED_BY_LABEL[v.pausedBy] ?? v.pausedBy) : null) },
  phase: { label: 'fase', show: (v) => PHASE_LABEL[v.phase] ?? v.phase },
  dayInPhase: { label: 'dia na fase', show: (v) => (v.phaseDays ? `${v.dayInPhase} de ${v.phaseDays}` : v.dayInPhase) },
  phaseDays: null, // in "dia na fase"
  health: { label: 'health', show: (v) => v.health },
  replyRate: { label: 'taxa de resposta', show: (v) => pct(Number(v.replyRate) || 0) },
  sentToday: { label: 'enviadas hoje / limite', show: (v) => `${v.sentToday}/${v.capToday ?? v.cap}` },
  capToday: null, // in "enviadas hoje / limite"
  cap: { label: 'limite da fase', show: (v) => v.cap },
  capReason: null, // in "limite de hoje"
  capText: { label: 'limite de hoje', show: (v) => (v.capReason ? v.capText : null) },
  quarantine: { label: 'quarentena', show: (v) => v.quarantine },
  pending: { label: 'pendências', show: (v) => (v.pending ?? []).join(', ') || '-' },
  busyWith: { label: 'em conversa', show: (v) => v.busyWith ?? '-' },
  stalled: { label: 'parado', show: (v) => v.stalled?.reason ?? null },
  profile: null, // the Perfil card
  sentTotal: { label: 'enviadas no total', show: (v) => v.sentTotal },
  receivedTotal: { label: 'recebidas no total', show: (v) => v.receivedTotal },
  runs: { label: 'continue-as-new até agora', show: (v) => v.runs },
  chipId: null, // in the page's title
  statusPostsToday: {
    label: 'status postados hoje / limite',
    show: (v) => (v.statusPostsToday === undefined ? null : `${v.statusPostsToday}/${v.statusCapToday}`),
  },
  statusCapToday: null, // in "status postados hoje / limite"
  statusPostsTotal: { label: 'status postados no total', show: (v) => v.statusPostsTotal },
  receiveFirstUntilMs: {
    label: 'só responde (recebe primeiro) até',
    show: (v) => (v.receiveFirstUntilMs ? new Date(v.receiveFirstUntilMs).toISOString().replace('T', ' ').slice(0, 16) : null),
  },
  promotions: null, // the promotions card
  maxSentPerDay: null, // the volume chart
};

/**
 * The workflow's status query in Portuguese, or why it did not answer. Its figures are the cards' own
 * (one query feeds both), so the panel and the cards cannot disagree.
 */
function liveBlock(live: ChipPageData['live']): string {
  if (!live.view) {
    const why =
      live.state === 'closed'
        ? `workflow encerrado (${esc((live.closeStatus ?? '').toLowerCase())})`
        : live.state === 'missing'
          ? 'sem workflow'
          : 'nenhum worker respondeu à consulta agora';
    return `<p class="muted" id="live" data-state="${esc(live.state)}">${why}; os números acima vêm do banco de dados.</p>`;
  }
  const v = live.view;
  const rows = (Object.entries(LIVE_FIELDS) as [keyof ChipStatusView, (typeof LIVE_FIELDS)[keyof ChipStatusView]][])
    .flatMap(([key, field]) => {
      if (!field) return [];
      // Views of chips started by an older release may lack the newer fields: nothing to show.
      const value = field.show(v);
      if (value === null || value === undefined || value === '') return [];
      return [`<tr><th>${esc(field.label)}</th><td data-live="${esc(key)}">${esc(value)}</td></tr>`];
    })
    .join('');
  return `<table class="kv" id="live" data-state="running" data-status="${esc(v.status)}">${rows}</table>`;
}

function actionsForm(data: ChipPageData, flash?: { ok: boolean; text: string }): string {
  const status = data.row.status;
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
<form method="post" action="${base}/retire" class="action danger" id="retire-form" data-confirm="Aposentar este chip? O aquecimento termina para sempre."><label>motivo <input name="reason" maxlength="200"></label>${who}<button>Aposentar</button></form>`;
}

export function renderChipPage(data: ChipPageData, links: PageLinks, flash?: { ok: boolean; text: string }): string {
  const r = data.row;
  const markers = r.markers;
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
<p class="muted source" id="figures-source" data-source="${r.source}">${esc(sourceLabel(r))}</p>
<section class="cards kpis" data-source="${r.source}">
  <div class="card kpi"><h2>fase</h2><b id="kpi-phase">${esc(PHASE_LABEL[r.phase])}</b><span>dia ${r.dayInPhase}${minDays ? ` de ${minDays}` : ''}</span></div>
  <div class="card kpi"><h2>health</h2><b id="kpi-health">${r.health}</b></div>
  <div class="card kpi"><h2>taxa de resposta</h2><b id="kpi-reply">${pct(r.replyRate)}</b></div>
  <div class="card kpi"><h2>enviadas hoje / limite</h2><b id="kpi-sent">${r.sentToday}/${r.capToday}</b>${r.capToday !== r.cap ? `<span>limite da fase ${r.cap}</span>` : ''}</div>
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
  <div class="card"><h2>Perfil <small class="muted">checklist do setup</small></h2>${profileCard(data.profile, data.live.view)}</div>
</section>
<section class="cards">
  <div class="card wide"><h2>Conversas recentes</h2>${conversations}</div>
  <div class="card wide"><h2>Ações registradas</h2>${audit}</div>
</section>
<section class="cards">
  <div class="card wide"><h2>Grupos <small class="muted">fechados, só chips da frota</small></h2>${groupsCard(data.groups)}</div>
</section>
${jsonScript('chart-data', chart)}`;
  return page({
    title: `Warmer · chip ${data.chip.phone}`,
    body,
    scripts: ['/static/uPlot.iife.min.js', '/static/chip-charts.js', '/static/console-forms.js'],
    styles: ['/static/uPlot.min.css'],
  });
}
