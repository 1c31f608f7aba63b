/** The chip page's "Grupos" card: the closed groups of the fleet the chip is in, with their members. */
import type { GroupView } from '../presentation/groups';
import { esc } from './html';

const STATUS: Record<string, string> = {
  warming: 'aquecendo',
  ready: 'pronto',
  paused: 'pausado',
  banned: 'banido',
  retired: 'aposentado',
};

export function groupsCard(groups: readonly GroupView[]): string {
  if (groups.length === 0) return '<p class="muted" id="groups">Em nenhum grupo ainda (grupos a partir da expansão).</p>';
  return `<div id="groups">${groups
    .map(
      (g) =>
        `<h3>${esc(g.name)} <small class="muted">${esc(g.group)} · ${g.size} membros · ${g.messages} mensagens (${g.mine} deste chip)</small></h3>` +
        `<table class="list group-members"><thead><tr><th>membro</th><th>status</th><th>mensagens</th></tr></thead><tbody>${g.members
          .map(
            (m) =>
              `<tr${m.left ? ' class="muted"' : ''}><td class="phone">${esc(m.phone)}${m.me ? ' (este chip)' : ''}${m.left ? ' · saiu' : ''}</td><td>${esc(STATUS[m.status] ?? m.status)}</td><td class="num">${m.messages}</td></tr>`,
          )
          .join('')}</tbody></table>`,
    )
    .join('')}</div>`;
}
