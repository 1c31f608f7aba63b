/**
 * Server-side HTML for the console: escaping, the page frame, and the small inline SVG charts (funnel,
 * bars, sparklines) that render with the page itself, so a 1,000-chip fleet needs no client-side work.
 * Everything interpolated into markup goes through `esc`.
 */
import { PHASE_TABLE, type Phase } from '../domain/phases';

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** JSON inside <script type="application/json">: nothing in it may close the tag. */
export function jsonScript(id: string, value: unknown): string {
  const text = JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return `<script type="application/json" id="${esc(id)}">${text}</script>`;
}

export function page(opts: { title: string; body: string; scripts?: string[]; styles?: string[]; nav?: string }): string {
  const styles = ['/static/console.css', ...(opts.styles ?? [])].map((href) => `<link rel="stylesheet" href="${esc(href)}">`).join('');
  const scripts = (opts.scripts ?? []).map((src) => `<script src="${esc(src)}" defer></script>`).join('');
  return `<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(opts.title)}</title><link rel="icon" href="data:,">${styles}${scripts}</head>
<body><header class="top"><a class="brand" href="/">Warmer</a><span class="sub">console do operador</span>${opts.nav ?? ''}</header>
<main>${opts.body}</main></body></html>`;
}

export const PHASE_LABEL: Record<Phase, string> = {
  setup: 'setup',
  primeiros_contatos: 'primeiros contatos',
  expansao: 'expansão',
  pre_operacao: 'pré-operação',
  operacao: 'operação',
};

export const PHASE_COLOR: Record<Phase, string> = {
  setup: '#9aa5b1',
  primeiros_contatos: '#7cc6a4',
  expansao: '#3fa37a',
  pre_operacao: '#25795a',
  operacao: '#14503b',
};

export const STATUS_COLOR: Record<string, string> = {
  warming: '#3fa37a',
  paused: '#e0a030',
  ready: '#2f6fd0',
  banned: '#c9403a',
  retired: '#7b8794',
};

export const STATUS_LABEL: Record<string, string> = {
  warming: 'aquecendo',
  paused: 'pausado',
  ready: 'pronto',
  banned: 'banido',
  retired: 'aposentado',
};

export const pct = (rate: number) => `${Math.round(rate * 100)}%`;

/** The phase funnel: one bar per phase, widest for the largest count, counts as labels. */
export function funnelSvg(byPhase: Record<Phase, number>): string {
  const phases = Object.keys(PHASE_TABLE) as Phase[];
  const max = Math.max(1, ...phases.map((p) => byPhase[p]));
  const width = 420;
  const rowH = 30;
  const bars = phases
    .map((p, i) => {
      const w = Math.max(2, Math.round(((width - 170) * byPhase[p]) / max));
      const x = 150 + (width - 170 - w) / 2;
      return (
        `<g><text x="0" y="${i * rowH + 19}" class="lbl">${esc(PHASE_LABEL[p])}</text>` +
        `<rect x="${x.toFixed(1)}" y="${i * rowH + 4}" width="${w}" height="${rowH - 8}" rx="3" fill="${PHASE_COLOR[p]}" data-phase="${p}" data-count="${byPhase[p]}"/>` +
        `<text x="${width - 10}" y="${i * rowH + 19}" class="num" text-anchor="end">${byPhase[p]}</text></g>`
      );
    })
    .join('');
  return `<svg class="chart funnel" viewBox="0 0 ${width} ${phases.length * rowH}" role="img" aria-label="chips por fase">${bars}</svg>`;
}

/** Horizontal stacked bar of counts by key. */
export function stackedBarSvg(counts: Record<string, number>, colors: Record<string, string>, label: string): string {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const width = 420;
  let x = 0;
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([key, n]) => {
      const w = (width * n) / Math.max(1, total);
      const rect = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="22" fill="${colors[key] ?? '#888'}" data-key="${esc(key)}" data-count="${n}"><title>${esc(key)}: ${n}</title></rect>`;
      x += w;
      return rect;
    })
    .join('');
  const empty = total === 0 ? `<rect x="0" y="0" width="${width}" height="22" fill="#e4e7eb"/>` : '';
  return `<svg class="chart bar" viewBox="0 0 ${width} 22" preserveAspectRatio="none" role="img" aria-label="${esc(label)}">${empty}${parts}</svg>`;
}

/** Messages sent today against the fleet's total cap. */
export function gaugeSvg(value: number, max: number): string {
  const width = 420;
  const w = max > 0 ? Math.min(width, (width * value) / max) : 0;
  return (
    `<svg class="chart gauge" viewBox="0 0 ${width} 22" preserveAspectRatio="none" role="img" aria-label="enviadas hoje / limite">` +
    `<rect x="0" y="0" width="${width}" height="22" fill="#e4e7eb"/><rect x="0" y="0" width="${w.toFixed(1)}" height="22" fill="#3fa37a" data-value="${value}" data-max="${max}"/></svg>`
  );
}

/** Health (0-100) of the last program days as a small line; one point is drawn as a short flat line. */
export function sparklineSvg(points: { day: number; health: number }[]): string {
  const width = 110;
  const height = 26;
  if (points.length === 0)
    return `<svg class="spark empty" viewBox="0 0 ${width} ${height}" data-points="0"><line x1="0" y1="${height - 1}" x2="${width}" y2="${height - 1}" stroke="#d9dde1"/></svg>`;
  const first = points[0]!.day;
  const span = Math.max(1, points[points.length - 1]!.day - first);
  const y = (h: number) => (height - 2 - ((height - 4) * Math.max(0, Math.min(100, h))) / 100).toFixed(1);
  const coords =
    points.length === 1
      ? [`0,${y(points[0]!.health)}`, `${width},${y(points[0]!.health)}`]
      : points.map((p) => `${(((p.day - first) / span) * width).toFixed(1)},${y(p.health)}`);
  const last = points[points.length - 1]!.health;
  const color = last >= 70 ? '#3fa37a' : last >= 45 ? '#e0a030' : '#c9403a';
  return `<svg class="spark" viewBox="0 0 ${width} ${height}" data-points="${points.length}" role="img" aria-label="health"><path d="M${coords.join(' L')}" fill="none" stroke="${color}" stroke-width="1.6"/></svg>`;
}

export function temporalLink(uiUrl: string, namespace: string, workflowId: string): string {
  const query = encodeURIComponent(`WorkflowId="${workflowId}"`);
  return `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${query}`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '-';
  return `<time datetime="${esc(iso)}">${esc(iso.replace('T', ' ').slice(0, 16))}</time>`;
}
