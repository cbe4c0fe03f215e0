/**
 * What to do with a start or stop call that failed for one bad instance (or a few): EC2 fails the
 * whole call. The error often says which: many codes name the instance ids
 * (`IncorrectInstanceState`, `InvalidInstanceID.NotFound`, `UnsupportedOperation`, ...), and
 * `InsufficientInstanceCapacity` names the instance type and Availability Zone. Those are set
 * apart at once. When the error tells nothing apart, the failed ids are searched: sent again in
 * parts; a part that fails is searched in turn, and what is left of the search it came from is
 * presumed good (sent together, not tested part by part). The part size follows what a failed
 * call costs (see {@link partSize} and BENCHMARKS.md, "One instance that lacks capacity").
 */
import { capacityShortfall, namedInstances } from './instance-errors';
import { MAX_BATCH } from '../run/pacer';

/** Where an instance runs, from the listing. */
export interface Placement {
  readonly type?: string;
  readonly zone?: string;
}

/** What a failed call's error tells. */
export interface Isolation {
  /** Ids the error is about: each is settled on its own with this error. */
  readonly settle: string[];
  /** Groups to send again as they are, in this order. */
  readonly resend: string[][];
  /** Ids the error tells nothing apart of: at least one is bad; they are searched in parts. */
  readonly search: string[];
}

export function isolate(
  err: unknown,
  ids: readonly string[],
  placement: (id: string) => Placement | undefined,
): Isolation {
  if (ids.length === 1) return { settle: [...ids], resend: [], search: [] };
  const named = namedInstances(err, ids);
  if (named.length > 0) {
    const rest = ids.filter((id) => !named.includes(id));
    return { settle: named, resend: rest.length > 0 ? [rest] : [], search: [] };
  }
  const short = capacityShortfall(err);
  if (short) {
    const suspects = ids.filter((id) => {
      const p = placement(id);
      return p?.type === short.type && p.zone === short.zone;
    });
    if (suspects.length > 0 && suspects.length < ids.length) {
      // The others first: they do not need the capacity that is missing.
      const others = ids.filter((id) => !suspects.includes(id));
      return { settle: [], resend: [others, suspects], search: [] };
    }
  }
  return { settle: [], resend: [], search: [...ids] };
}

/**
 * How many of `suspects` ids (at least one of them bad) the next part of a search sends.
 * - `free` (a failed call keeps no tokens, the bucket holds them and all the run still needs, or
 *   this call is the probe that a charging EC2 refuses before taking any): only the calls cost
 *   time, so halves, about log2 n calls.
 * - `charged`: a part that fails wastes its instance tokens, and every call spends a request
 *   token. Parts of s ids cost about n/s calls and s wasted ids a level; with a call priced at
 *   `callPriceInIds` instance tokens, s = sqrt(price x n) spends the least (32 of 1,000 at EC2's
 *   start buckets, where a call and an id each cost half a second of their bucket's refill).
 */
export function partSize(
  suspects: number,
  failedCalls: 'free' | 'charged',
  callPriceInIds: number,
): number {
  if (suspects <= 1) return 1;
  const half = Math.ceil(suspects / 2);
  if (failedCalls === 'free') return half;
  return Math.max(1, Math.min(half, Math.round(Math.sqrt(callPriceInIds * suspects))));
}

/** What a search asks the pacer. */
export interface FailedCallCosts {
  /**
   * What a failed call of `want` ids would cost, as far as the pacer knows, when the run still
   * needs `needed` instance tokens besides.
   */
  failedCallCost(want: number, now: number, needed: number): 'free' | 'charged';
  /** What a call costs in instance tokens: the instance bucket's refill over the request bucket's. */
  readonly callPriceInIds: number;
}

/** A queued batch, as far as isolation is concerned. */
interface Queued {
  readonly ids: string[];
}

/** An id in a search (`search`), or presumed good after a part of its search failed. */
type Role = { readonly search: number } | { readonly presumed: number };

/**
 * One run's searches: which queued ids are being searched and which are presumed good, so that
 * each batch at the head of the queue is sent in the right size.
 */
export class Searches {
  private readonly roles = new Map<string, Role>();
  private count = 0;

  constructor(private readonly costs: FailedCallCosts) {}

  /**
   * How many ids of `batch` (the head, just taken off `queue`) to send next and wait for as a
   * whole: a part of a search, or, while failed calls are charged, a part of what is presumed
   * good. Undefined: any batch the pacer chooses.
   */
  partOf(batch: Queued, queue: readonly Queued[], now: number): number | undefined {
    const role = this.roles.get(batch.ids[0]);
    if (role === undefined) return undefined;
    const queued = queue.reduce((sum, b) => sum + b.ids.length, 0);
    if ('presumed' in role) {
      const cost = this.costs.failedCallCost(batch.ids.length, now, queued);
      return cost === 'free' ? undefined : Math.min(batch.ids.length, role.presumed);
    }
    const left = batch.ids.length + this.searched(role.search, queue);
    const half = Math.min(batch.ids.length, Math.ceil(left / 2));
    // Halves waste at most `left` ids in all: free if the bucket holds them and the rest.
    const cost = this.costs.failedCallCost(half, now, queued + left);
    return Math.min(batch.ids.length, partSize(left, cost, this.costs.callPriceInIds));
  }

  /**
   * A call of `ids` failed (not throttled). Returns what to settle and the groups to put at the
   * head of `queue`; what is left of the search the ids came from is presumed good from now on,
   * and merged at the head of `queue` with what was presumed good before.
   */
  failed<B extends Queued>(
    err: unknown,
    ids: readonly string[],
    queue: B[],
    placement: (id: string) => Placement | undefined,
  ): { settle: string[]; resend: string[][] } {
    const role = this.roles.get(ids[0]);
    for (const id of ids) this.roles.delete(id);
    if (role !== undefined && 'search' in role) this.presume(role.search, ids.length, queue);
    const { settle, resend, search } = isolate(err, ids, placement);
    if (search.length === 0) return { settle, resend };
    const n = ++this.count;
    for (const id of search) this.roles.set(id, { search: n });
    return { settle, resend: [search] };
  }

  /** Queued ids of search `n`. */
  private searched(n: number, queue: readonly Queued[]): number {
    let count = 0;
    for (const b of queue) if (this.searchOf(b) === n) count += b.ids.length;
    return count;
  }

  private searchOf(b: Queued): number | undefined {
    const role = this.roles.get(b.ids[0]);
    return role !== undefined && 'search' in role ? role.search : undefined;
  }

  /** A part of search `n` failed: the rest of it is presumed good (sent in charged-sized parts). */
  private presume<B extends Queued>(n: number, failed: number, queue: B[]): void {
    const rest = queue.filter((b) => this.searchOf(b) === n);
    const total = failed + rest.reduce((sum, b) => sum + b.ids.length, 0);
    const part = partSize(total, 'charged', this.costs.callPriceInIds);
    for (const b of rest) for (const id of b.ids) this.roles.set(id, { presumed: part });
    // What is presumed good goes out together, up to a full batch, wherever it came from.
    while (
      queue.length > 1 &&
      this.isPresumed(queue[0]) &&
      this.isPresumed(queue[1]) &&
      sameKind(queue[0], queue[1]) &&
      queue[0].ids.length + queue[1].ids.length <= MAX_BATCH
    ) {
      const ids = [...queue[0].ids, ...queue[1].ids];
      const merged = Math.max(this.presumedPart(queue[0]), this.presumedPart(queue[1]));
      for (const id of ids) this.roles.set(id, { presumed: merged });
      queue.splice(0, 2, { ...queue[0], ids });
    }
  }

  private isPresumed(b: Queued): boolean {
    return this.presumedPart(b) > 0;
  }

  /** The part size of presumed-good ids (0: not presumed). */
  private presumedPart(b: Queued): number {
    const role = this.roles.get(b.ids[0]);
    return role !== undefined && 'presumed' in role ? role.presumed : 0;
  }
}

/** Two batches that differ only in their ids (same hibernation, fallback, listing, ...). */
function sameKind(a: object, b: object): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete('ids');
  return [...keys].every(
    (k) => (a as Record<string, unknown>)[k] === (b as Record<string, unknown>)[k],
  );
}
