/**
 * The postStatus activity: one activity per status post (claim, post, settle). The database claims
 * the post first and is the last line — it refuses a chip that is not warming, a post over the
 * phase's daily status limit and any viewer outside the chip's fleet, and names the fleet when asked —
 * then the post goes out with exactly those viewers as full JIDs (never `allContacts`), then its
 * outcome is recorded. A claim whose outcome is unknown (an attempt that died mid-post) is never
 * posted again. Viewers see the post through their own read setting (readMessages): Evolution has no
 * route that marks a status as viewed.
 */
import type { StatusPostsPort } from '../adapters/db/ports/status-posts';
import type { Messaging } from '../adapters/messaging/port';
import type { StatusPosts } from '../adapters/messaging/status-port';
import { programClock, programDay } from '../domain/clock';
import { isWarmerError } from '../domain/errors';
import { maskPhone, phoneToJid } from '../domain/phone';
import type { Logger } from './deps';
import type { PostStatusInput, PostStatusResult } from './types';

const iso = (ms: number) => new Date(ms).toISOString();
/** Refusals of the claim that retrying cannot change: the post is dropped, the chip goes on. */
const REFUSALS = new Set(['DailyCapReached', 'ChipNotWarming', 'OutsideFleet', 'ChipNotFound']);

/** The messaging client's status route, when it has one (the Evolution client does). */
export function statusPostsOf(messaging: Messaging | (Messaging & StatusPosts)): StatusPosts | undefined {
  return typeof (messaging as Partial<StatusPosts>).sendStatus === 'function' ? (messaging as StatusPosts) : undefined;
}

export function createPostStatus(deps: {
  db: StatusPostsPort;
  poster: StatusPosts | undefined;
  log?: Logger;
}): (input: PostStatusInput) => Promise<PostStatusResult> {
  const { db, poster } = deps;
  return async (input) => {
    if (!poster) return { kind: 'not_posted', reason: 'unsupported' };
    let claim: Awaited<ReturnType<StatusPostsPort['claimStatusPost']>>;
    try {
      claim = await db.claimStatusPost({
        key: input.key,
        chipId: input.chip.chipId,
        day: input.day,
        type: input.post.type,
        content: input.post.content,
        at: iso(input.atMs),
      });
    } catch (err) {
      if (isWarmerError(err) && REFUSALS.has(err.code)) return { kind: 'not_posted', reason: 'refused', detail: err.code };
      throw err;
    }
    if (claim.state === 'no_viewers') return { kind: 'not_posted', reason: 'no_viewers' };
    if (claim.state !== 'new')
      return claim.state === 'sent'
        ? { kind: 'posted', viewers: claim.viewers.length }
        : { kind: 'not_posted', reason: 'already_settled', detail: claim.state };
    const statusJidList = claim.viewers.map((phone) => phoneToJid(phone));
    let providerMessageId: string;
    try {
      providerMessageId = (await poster.sendStatus(input.chip.instanceName, { ...input.post, statusJidList })).key.id;
    } catch (err) {
      const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      deps.log?.warn('status post failed', { chip: maskPhone(input.chip.phone), key: input.key, error: err });
      await db.finishStatusPost({ key: input.key, sent: false, providerMessageId: null, error: detail, at: iso(Date.now()) });
      return { kind: 'not_posted', reason: 'provider_error', detail };
    }
    // Posted: if recording it fails, the claim stays 'claimed' (counted against the limit, outcome
    // unknown) and a retried activity never posts it again; it is never recorded as a failed post.
    await db.finishStatusPost({ key: input.key, sent: true, providerMessageId, error: null, at: iso(Date.now()) });
    return { kind: 'posted', viewers: statusJidList.length };
  };
}

/** Status posts the fleet sent on the program day of `nowMs`, for the daily summary. */
export async function statusPostsToday(db: StatusPostsPort, clock: { dayMs: number; epochMs: number }, nowMs: number): Promise<number> {
  const day = programDay(programClock(clock.dayMs, clock.epochMs), nowMs);
  return (await db.statusPostCounts({ day })).reduce((sum, c) => sum + c.today, 0);
}
