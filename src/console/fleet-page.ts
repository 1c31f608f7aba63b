/** The fleet page: the whole fleet at a glance (funnel, status, alerts, today's volume) and one row per chip. */
import { shortId } from '../presentation/text-tables';
import type { FleetPageData } from './data';
import { phaseMinDays } from './data';
import {
  esc,
  STATUS_LABEL,
  funnelSvg,
  gaugeSvg,
  page,
  pct,
  PHASE_LABEL,
  sparklineSvg,
  STATUS_COLOR,
  stackedBarSvg,
  temporalLink,
  time,
} from './html';

export interface PageLinks {
  temporalUiUrl: string;
  namespace: string;
}

export function alertsBlock(alerts: FleetPageData['openAlerts'], chipLink = true): string {
  if (alerts.length === 0) return '<p class="muted" id="no-alerts">Nenhum alerta aberto.</p>';
  const items = alerts
    .map(
      (a) =>
        `<li class="alert ${esc(a.severity)}${a.kind === 'fleet_breaker' ? ' breaker' : ''}" data-kind="${esc(a.kind)}"><strong>${esc(a.severity)} · ${esc(a.kind)}</strong> ${esc(a.message)}` +
        `${chipLink && a.chipId ? ` <a href="/chips/${esc(a.chipId)}">chip ${esc(shortId(a.chipId))}</a>` : ''} <span class="muted">${time(a.createdAt)}</span></li>`,
    )
    .join('');
  return `<ul class="alerts" id="alerts">${items}</ul>`;
}

export function renderFleetPage(data: FleetPageData, links: PageLinks, opts: { refreshSeconds?: number } = {}): string {
  const refresh = opts.refreshSeconds ?? 30;
  const total = data.chips.length;
  const rows = data.chips
    .map((c) => {
      const minDays = phaseMinDays(c.phase);
      const markers = c.markers.map((m) => `<span class="marker">${esc(m)}</span>`).join('');
      const href = `/chips/${esc(c.chipId)}`;
      return (
        `<tr data-chip="${esc(c.chipId)}" data-status="${esc(c.status)}">` +
        `<td><a href="${href}">${esc(shortId(c.chipId))}</a></td>` +
        `<td class="phone">${esc(c.phone)}</td>` +
        `<td>${esc(c.instance)}</td>` +
        `<td><span class="phase" style="--c:var(--${esc(c.phase)})">${esc(PHASE_LABEL[c.phase])}</span></td>` +
        `<td class="num" data-field="day">dia ${c.dayInPhase}${minDays ? ` de ${minDays}` : ''}</td>` +
        `<td class="num" data-field="health">${c.health}</td>` +
        `<td>${sparklineSvg(c.healthDays)}</td>` +
        `<td class="num" data-field="replyRate">${pct(c.replyRate)}</td>` +
        `<td class="num" data-field="sent">${c.sentToday}/${c.cap}</td>` +
        `<td class="wrap" data-field="pending">${esc(c.pending.join(', ') || '-')}</td>` +
        `<td data-field="status"><span class="status" style="--c:${STATUS_COLOR[c.status] ?? '#888'}">${esc(STATUS_LABEL[c.status] ?? c.status)}</span>${markers}</td>` +
        `<td class="num" data-field="alerts">${c.openAlerts || ''}</td>` +
        `<td><a class="ext" href="${esc(temporalLink(links.temporalUiUrl, links.namespace, `chip-warmup/${c.chipId}`))}" target="_blank" rel="noopener">Temporal</a></td>` +
        '</tr>'
      );
    })
    .join('');
  const statusLegend = Object.entries(data.byStatus)
    .map(
      ([s, n]) =>
        `<span class="legend" data-status="${esc(s)}"><i style="background:${STATUS_COLOR[s] ?? '#888'}"></i>${esc(STATUS_LABEL[s] ?? s)} <b>${n}</b></span>`,
    )
    .join('');
  const body = `
<h1>Frota${data.fleetId ? ` <small>${esc(data.fleetId)}</small>` : ''} <small class="muted">${total} chips · atualizado ${time(data.generatedAt)}</small><a class="new-chip" href="/onboard" id="new-chip">+ Novo chip</a></h1>
<section class="cards">
  <div class="card"><h2>Fases</h2>${funnelSvg(data.byPhase)}</div>
  <div class="card"><h2>Status</h2>${stackedBarSvg(data.byStatus, STATUS_COLOR, 'chips por status')}<div class="legends">${statusLegend}</div>
    <h2>Mensagens hoje</h2>${gaugeSvg(data.sentToday, data.capToday)}
    <p class="big"><span id="sent-today">${data.sentToday}</span> / <span id="cap-today">${data.capToday}</span> <span class="muted">enviadas hoje / limite da frota</span></p></div>
  <div class="card alerts-card"><h2>Alertas abertos <span class="count" id="alert-count">${data.openAlerts.length}</span></h2>${alertsBlock(data.openAlerts)}</div>
</section>
<section class="card">
<table class="fleet" id="fleet-table">
<thead><tr><th>chip</th><th>telefone</th><th>instância</th><th>fase</th><th>dia</th><th>health</th><th>health (últimos dias)</th><th>taxa de resposta</th><th>enviadas hoje / limite</th><th>pendências</th><th>status</th><th>alertas</th><th>workflow</th></tr></thead>
<tbody>${rows || '<tr><td colspan="13" class="muted">Nenhum chip registrado. Comece por <a href="/onboard">Novo chip</a> ou <code>warmer chip onboard</code>.</td></tr>'}</tbody>
</table>
</section>
<p class="muted foot">Dados do banco (o que os workflows gravam); JSON em <a href="/api/fleet${data.fleetId ? `?fleet=${encodeURIComponent(data.fleetId)}` : ''}">/api/fleet</a>. ${refresh > 0 ? `A página se atualiza a cada ${refresh} s.` : ''}</p>
${refresh > 0 ? `<meta http-equiv="refresh" content="${refresh}">` : ''}`;
  return page({ title: `Warmer · frota (${total})`, body });
}
