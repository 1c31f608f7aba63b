/** The database's own lifecycle: schema, readiness, shutdown. Held by whoever opened the database. */
export interface DbLifecycle {
  /** Applies supabase/migrations not yet applied; returns the names applied now. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;
  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
}
