/**
 * A batch: instance ids to send together in one StartInstances or StopInstances call, and when
 * they were listed. What a run acts on is never older than {@link FRESH_LISTING_MS}: a batch
 * listed longer ago (or carried from a previous run) is looked at again first.
 */
import { MAX_BATCH } from '../run/pacer';

/** Ids sent together in one StartInstances or StopInstances call, and how. */
export interface Batch {
  readonly ids: string[];
  readonly hibernate: boolean;
  /** Plain stop after hibernation was refused. */
  readonly fallback?: boolean;
  /**
   * When this run listed (or looked again at) these instances, epoch ms. Absent for ids carried
   * from a previous run or waited for in transit: they are looked at again before anything is done.
   */
  readonly listedAt?: number;
}

/**
 * A batch listed longer ago than this is looked at again before it is sent: an override tag (or
 * a new tag value) set since the listing is honoured. A minute: a start's first 1,000 instances
 * and a stop's first 2,000 go well within it, so the common run adds no call.
 */
export const FRESH_LISTING_MS = 60_000;

/** `ids` in batches of at most {@link MAX_BATCH}, listed at `listedAt` (absent: to be looked at). */
export function batchesOf(ids: readonly string[], hibernate: boolean, listedAt?: number): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    out.push({
      ids: ids.slice(i, i + MAX_BATCH),
      hibernate,
      ...(listedAt !== undefined ? { listedAt } : {}),
    });
  }
  return out;
}

/** Whether the batch must be looked at again before it is sent at `now`. */
export function needsLook(batch: Batch, now: number): boolean {
  return batch.listedAt === undefined || now - batch.listedAt > FRESH_LISTING_MS;
}

/** The batch's ids to be looked at again (no listing time). */
export function unlisted(batch: Batch, ids: string[]): Batch {
  return { ids, hibernate: batch.hibernate, ...(batch.fallback ? { fallback: true } : {}) };
}
