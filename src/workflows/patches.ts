/**
 * Workflow changes shipped after a release's histories were checked in (test/histories/<version>/).
 * Each is guarded with patched(id) where it changes the commands a running workflow emits, so chips
 * started by an older release replay their history and then follow the new code. Once no running chip
 * predates a patch, replace patched(id) with deprecatePatch(id) in one release and drop it in the next
 * (see docs/architecture.md, "Versioning").
 */
export const PATCHES = {
  /** v2: search attributes are upserted only when phase, status or health changed (each upsert is a billed action). */
  upsertSearchAttributesOnChange: 'upsert-search-attributes-on-change',
  /**
   * v3: fewer chip wake-ups (ChipMachine.nextWakeAt / conversationOver): no slot when what is left of
   * the cap or the window cannot hold the smallest conversation, phase-day boundaries only once a
   * promotion may be due, no wake at a partner's lease.
   */
  fewerWakes: 'fewer-wakes',
  /**
   * v4: warning signs move the adaptive ramp (a reduced effective cap) and the chip records its ramp and
   * quarantine in the database (persistStanding). Without it an older history's signs are dropped.
   */
  adaptiveRamp: 'adaptive-ramp',
  /**
   * v5: the daily health log rides on the day's first plan (planConversation records it: one activity
   * fewer a day), and the health search attribute shows the logged daily health, so it is upserted
   * once a day rather than after every conversation.
   */
  healthOnPlan: 'health-on-plan',
  /**
   * v6: the last promotion (operacao, ready) waits while the chip is the partner in a conversation still
   * running; before it, the chip became ready mid-conversation and the database refused its next turn,
   * so the conversation failed. The report wakes the chip (ChipMachine.readinessMustWait/holdReadiness).
   */
  readyAfterConversation: 'ready-after-conversation',
  /**
   * v7: a status write marks as written the status it carried, not the status when it returned: a
   * signal that changed the status while the write ran (a resume while the pause was written) gets its
   * own write at once. Before it, the database kept the older status (paused) while the chip warmed.
   * Asked only when the status moved during a write (ChipMachine.recordPersistedStatus).
   */
  statusAsWritten: 'status-as-written',
  /**
   * v8: a chip in setup runs its profile checklist (name, about, photo, privacy, instance settings;
   * domain/profile-checklist.ts), its steps batched per moment, and leaving setup waits for it. Asked
   * only where the checklist is planned or a step runs, so a chip past setup carries no marker.
   */
  profileChecklist: 'profile-checklist',
  /**
   * v9: a lost connection follows its cause (domain/disconnect-reasons.ts, chip-connection-rules.ts): a
   * lost session pauses the chip as `reconnect` with the "scan the QR code again" alert; a drop the
   * provider recovers from holds it silently and re-checks (checkConnection), alerting only when it
   * lasts; an unknown code holds it and alerts once. Asked only when a lost connection pauses the chip
   * (ChipMachine.pauseIfDisconnected); without it the chip pauses with the older alert.
   */
  classifiedDisconnects: 'classified-disconnects',
  /**
   * v10: a conversation ends when its next turn would fall past the end of either chip's window (the
   * child gets `closesAtMs`), recorded as `cut_short`. Asked where the chip starts a conversation's
   * child; a child started without it runs to its end as before.
   */
  windowHolds: 'window-holds',
  /**
   * v11: from expansao on, a share of a chip's conversation slots is held in its closed group of the
   * fleet (GroupConversationWorkflow, src/domain/group-rules.ts). Asked only where a group conversation
   * starts, so a history that never held one has no marker and replays as before.
   */
  fleetGroups: 'fleet-groups',
  /**
   * v12: from primeiros_contatos on, a chip posts a status seen by fleet chips only, at most the phase's
   * dailyStatusCap a day (domain/status-rules.ts), riding on a wake it has anyway. Asked only when a
   * post is due, so histories that never posted carry no marker.
   */
  statusPosts: 'status-posts',
  /**
   * v13: receive-first — in the phase's first receiveFirstDays (primeiros_contatos: 1) a chip opens no
   * conversation, only answers (domain/receive-first.ts). Asked only while receive-first holds.
   */
  receiveFirst: 'receive-first',
} as const;
