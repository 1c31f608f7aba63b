/**
 * The baseline: a scheduler that polls every warming chip every 5 minutes (may it send, promotion,
 * early warning, a conversation, the health log inside the cycle), the design Warmer's timers replace.
 * Database round trips per chip per day of that poll, for the same fleet and the same program, beside
 * ours as measured by bench/lifecycle.ts (read from bench/results/lifecycle.json when present).
 *
 * The poll's helpers (pode_enviar_mensagem, monitorar_chip, registrar_health_score, registrar_envio,
 * obter_pareamentos_dia, obter_par_id, registrar_interacao) have no implementation to measure; each is
 * counted at a stated number of queries, low and likely. Every assumption is printed.
 *
 *   npx tsx bench/baseline.ts [--chips N] [--days 21] [--lifecycle lifecycle]   (reads bench/results/<lifecycle>.json)
 */
import { PHASE_TABLE, PHASES } from '../src/domain/phases';
import { argNumber, argString, log, readResult, report, round, table } from './lib';

const CYCLES_PER_DAY = (24 * 60) / 5; // 288

interface Assumptions {
  podeEnviar: number;
  monitorarChip: number;
  healthScore: number;
  registrarEnvio: number;
}
const LOW: Assumptions = { podeEnviar: 1, monitorarChip: 1, healthScore: 2, registrarEnvio: 1 };
const LIKELY: Assumptions = { podeEnviar: 2, monitorarChip: 2, healthScore: 3, registrarEnvio: 1 };

function seedPerChipPerDay(
  a: Assumptions,
  v: { chips: number; conversationsInitiatedPerChipDay: number; messagesPerChipDay: number; promotionsPerChipDay: number },
) {
  // The poll: one `select * from warmup_chips where status = 'warming'` per cycle, shared by the fleet.
  const selectWarming = CYCLES_PER_DAY / v.chips;
  // The poll's first step, every warming chip, every cycle (setup chips included; most cycles stop here).
  const podeEnviar = CYCLES_PER_DAY * a.podeEnviar;
  // Steps 2-5 run only in a cycle where the chip may send: assumed to be exactly the cycles that start
  // one of its conversations (the fewest the poll can make; without spacing in pode_enviar it is more).
  const perAllowedCycle =
    1 + // promotion check, avaliar_progressao_fase: select chip
    a.monitorarChip + // early warning
    (1 + 2 + 1 + 1) + // conversation: obter_pareamentos_dia, buscar_chip_com_instance x2, obter_par_id, insert warmup_conversations
    (1 + 1) + // conversation: finalizar_registro_conversa (update), registrar_interacao (pair)
    a.healthScore; // the cycle's last step: registrar_health_score (read + insert)
  const allowedCycles = v.conversationsInitiatedPerChipDay * perAllowedCycle;
  // Per message: registrar_envio + insert warmup_interactions (both sides' messages are recorded).
  const perMessage = v.messagesPerChipDay * (a.registrarEnvio + 1);
  // On promotion: update phase; on reaching operacao also update ready + select (4 promotions per program).
  const promotions = v.promotionsPerChipDay * 1 + (v.promotionsPerChipDay / 4) * 2;
  // Daily summary: 4 fleet-wide queries a day.
  const summary = 4 / v.chips;
  const total = selectWarming + podeEnviar + allowedCycles + perMessage + promotions + summary;
  return {
    total: round(total, 1),
    parts: {
      pollSelectWarming: round(selectWarming, 2),
      pollPodeEnviar: round(podeEnviar, 1),
      conversationCycles: round(allowedCycles, 1),
      perMessage: round(perMessage, 1),
      promotions: round(promotions, 2),
      dailySummary: round(summary, 3),
    },
  };
}

async function main(): Promise<void> {
  const lifecycleName = argString('lifecycle', 'lifecycle');
  const lifecycle = readResult(lifecycleName) as null | {
    chips: number;
    messages: number;
    conversations: number;
    chipProgramDays: number;
    command: string;
    database: { perChipPerDay: number; byMethod: Record<string, number>; calls: number };
  };
  const days = argNumber('days', 21);
  const chips = argNumber('chips', lifecycle?.chips ?? 100);
  const useMeasured = lifecycle !== null && lifecycle.chips === chips;
  if (!useMeasured)
    log(
      lifecycle
        ? `bench/results/${lifecycleName}.json is for ${lifecycle.chips} chips, not ${chips}: using the program's caps as volumes`
        : 'no bench/results/lifecycle.json: using the program caps as volumes; run bench/lifecycle.ts for our measured figure',
    );

  // Same program volumes for both designs: measured ones when lifecycle.json matches, else the caps.
  let messagesPerChipDay: number;
  let conversationsPerChipDay: number;
  let chipDays: number;
  if (useMeasured) {
    chipDays = lifecycle.chipProgramDays;
    messagesPerChipDay = lifecycle.messages / chipDays;
    conversationsPerChipDay = lifecycle.conversations / chipDays;
  } else {
    chipDays = chips * days;
    const capDays = PHASES.filter((p) => PHASE_TABLE[p].next).reduce((a, p) => a + PHASE_TABLE[p].minDays * PHASE_TABLE[p].dailyCap, 0);
    messagesPerChipDay = capDays / days;
    conversationsPerChipDay = messagesPerChipDay / 8;
  }
  const volumes = { chips, conversationsInitiatedPerChipDay: conversationsPerChipDay, messagesPerChipDay, promotionsPerChipDay: 4 / days };
  const low = seedPerChipPerDay(LOW, volumes);
  const likely = seedPerChipPerDay(LIKELY, volumes);
  const ours = useMeasured ? lifecycle.database.perChipPerDay : null;
  const oursByMethod = useMeasured
    ? Object.fromEntries(Object.entries(lifecycle.database.byMethod).map(([k, v]) => [k, round(v / chipDays, 2)]))
    : null;

  const assumptions = [
    'Same fleet and program for both: N chips, 21 program days, the same messages and conversations per chip-day (ours, measured, when bench/results/lifecycle.json is for N chips).',
    'Seed, Story 7.1: a cycle every 5 minutes, 288 a day, each `select * from warmup_chips where status = warming` (1 query per cycle, shared by the fleet).',
    `Seed, every warming chip every cycle: pode_enviar_mensagem (scheduler epic, not in the seed) = ${LOW.podeEnviar} query (low: chip row with its counters) or ${LIKELY.podeEnviar} (likely: chip row + today's send count).`,
    'Seed, steps 2-5 run only in cycles where the chip may send; counted as exactly the cycles that start one of its conversations (the fewest possible: pode_enviar_mensagem is assumed to space them; if it only checks window and cap, every in-window cycle under the cap would run them).',
    `Seed, such a cycle: avaliar_progressao_fase 1 select; monitorar_chip ${LOW.monitorarChip}-${LIKELY.monitorarChip}; executar_conversa_warmup: obter_pareamentos_dia 1, buscar_chip_com_instance 2, obter_par_id 1, insert conversation 1, finalize 1, registrar_interacao 1; registrar_health_score ${LOW.healthScore}-${LIKELY.healthScore} (compute from reads + insert log).`,
    'Seed, per message sent (either side): registrar_envio 1 + insert warmup_interactions 1.',
    'Seed, per promotion: 1 update; reaching operacao: 1 update + 1 select more. Daily summary (7.5): 4 fleet-wide queries a day. Weekly pair rotation: not counted.',
    'Not counted on either side: webhook-driven writes (delivery/read facts), Slack, and the seed helpers internal to gerar_dialogo (templates, no DB).',
    'Ours: every call through the Db port during the program (one call = one SQL function / one round trip), counted by a Proxy in bench/lifecycle.ts.',
  ];
  const result = {
    command: `npx tsx bench/baseline.ts --chips ${chips} --days ${days}${lifecycleName !== 'lifecycle' ? ` --lifecycle ${lifecycleName}` : ''}`,
    chips,
    days,
    volumesPerChipDay: {
      messages: round(messagesPerChipDay, 2),
      conversationsInitiated: round(conversationsPerChipDay, 2),
      source: useMeasured ? `measured: ${lifecycle.command}` : 'program caps, 8 messages per conversation',
    },
    seedRoundTripsPerChipPerDay: { low, likely },
    oursRoundTripsPerChipPerDay: ours,
    oursByMethodPerChipPerDay: oursByMethod,
    ratio: ours ? { low: round(low.total / ours, 1), likely: round(likely.total / ours, 1) } : null,
    seedRoundTripsFleetProgram: { low: Math.round(low.total * chips * days), likely: Math.round(likely.total * chips * days) },
    oursRoundTripsFleetProgram: useMeasured ? lifecycle.database.calls : null,
    assumptions,
  };
  const rows: [string, string | number, string?][] = [
    [
      'fleet / program',
      `${chips} chips x ${days} days`,
      `${round(messagesPerChipDay, 1)} msgs and ${round(conversationsPerChipDay, 2)} conversations started per chip-day`,
    ],
    [
      'seed: DB round trips / chip / day (low)',
      low.total,
      `poll ${round(low.parts.pollPodeEnviar + low.parts.pollSelectWarming, 1)}, conversations ${low.parts.conversationCycles}, messages ${low.parts.perMessage}`,
    ],
    [
      'seed: DB round trips / chip / day (likely)',
      likely.total,
      `poll ${round(likely.parts.pollPodeEnviar + likely.parts.pollSelectWarming, 1)}, conversations ${likely.parts.conversationCycles}, messages ${likely.parts.perMessage}`,
    ],
    ['ours: DB round trips / chip / day (measured)', ours ?? 'run bench/lifecycle.ts', useMeasured ? lifecycle.command : ''],
    ['seed / ours', result.ratio ? `${result.ratio.low}x - ${result.ratio.likely}x` : '-'],
    ['seed: round trips for the whole program', `${result.seedRoundTripsFleetProgram.low} - ${result.seedRoundTripsFleetProgram.likely}`],
    ['ours: round trips for the whole program', result.oursRoundTripsFleetProgram ?? '-'],
  ];
  const text = `${table(`Baseline: the seed's 5-minute poll vs ours, database round trips`, rows)}\n\nAssumptions:\n${assumptions.map((a) => `  - ${a}`).join('\n')}`;
  report('baseline', text, result);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
