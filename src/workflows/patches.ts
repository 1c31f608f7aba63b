/**
 * Workflow changes shipped after a release's histories were checked in (test/histories/<version>/).
 * Each is guarded with patched(id) where it changes the commands a running workflow emits, so chips
 * started by an older release replay their history and then follow the new code. Once no running chip
 * predates a patch, replace patched(id) with deprecatePatch(id) in one release and drop it in the next
 * (see README, "Versioning").
 */
export const PATCHES = {
  /** v2: search attributes are upserted only when phase, status or health changed (each upsert is a billed action). */
  upsertSearchAttributesOnChange: 'upsert-search-attributes-on-change',
} as const;
