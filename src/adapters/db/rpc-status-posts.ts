/** The status posts port over its SQL functions (migration *_status_posts.sql). */
import type { StatusPostClaimState, StatusPostsPort } from './ports/status-posts';
import { toNumber } from './rows';
import type { RpcCalls } from './rpc-types';

/** A text[] as the drivers return it: an array (pg, PGlite, PostgREST) or Postgres' `{a,b}` literal. */
function textArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('{') && value.endsWith('}')) {
    const inner = value.slice(1, -1);
    return inner === '' ? [] : inner.split(',').map((v) => v.replace(/^"|"$/g, ''));
  }
  return [];
}

export function rpcStatusPosts(calls: RpcCalls): StatusPostsPort {
  return {
    async claimStatusPost(input) {
      const [row] = await calls.rows('warmup_claim_status_post', {
        p_key: input.key,
        p_chip_id: input.chipId,
        p_day: input.day,
        p_type: input.type,
        p_content: input.content,
        p_at: input.at,
        p_viewers: input.viewers ?? null,
      });
      return { state: String(row?.state) as StatusPostClaimState, viewers: textArray(row?.viewers) };
    },

    async finishStatusPost(input) {
      return String(
        await calls.value('warmup_finish_status_post', {
          p_key: input.key,
          p_sent: input.sent,
          p_provider_message_id: input.providerMessageId,
          p_error: input.error,
          p_at: input.at,
        }),
      );
    },

    async statusPostCounts(input) {
      const rows = await calls.rows('warmup_status_post_counts', { p_day: input.day, p_chip_id: input.chipId ?? null });
      return rows.map((row) => ({ chipId: String(row.chip_id), today: toNumber(row.today), total: toNumber(row.total) }));
    },
  };
}
