/**
 * What to do with a start or stop call that failed for one bad instance (or a few): EC2 fails the
 * whole call. The error often says which: many codes name the instance ids
 * (`IncorrectInstanceState`, `InvalidInstanceID.NotFound`, `UnsupportedOperation`, ...), and
 * `InsufficientInstanceCapacity` names the instance type and Availability Zone. Those are set
 * apart at once; only when the error names nothing is the batch split in halves.
 */
import { capacityShortfall, namedInstances } from './errors';

/** Where an instance runs, from the listing. */
export interface Placement {
  readonly type?: string;
  readonly zone?: string;
}

export interface Isolation {
  /** Ids the error is about: each is settled on its own with this error. */
  readonly settle: string[];
  /** Groups to send again, in this order (each split further by the pacer as the buckets allow). */
  readonly resend: string[][];
}

export function isolate(
  err: unknown,
  ids: readonly string[],
  placement: (id: string) => Placement | undefined,
): Isolation {
  if (ids.length === 1) return { settle: [...ids], resend: [] };
  const named = namedInstances(err, ids);
  if (named.length > 0) {
    const rest = ids.filter((id) => !named.includes(id));
    return { settle: named, resend: rest.length > 0 ? [rest] : [] };
  }
  const short = capacityShortfall(err);
  if (short) {
    const suspects = ids.filter((id) => {
      const p = placement(id);
      return p?.type === short.type && p.zone === short.zone;
    });
    if (suspects.length > 0 && suspects.length < ids.length) {
      // The others first: they do not need the capacity that is missing.
      return { settle: [], resend: [ids.filter((id) => !suspects.includes(id)), suspects] };
    }
  }
  const half = Math.ceil(ids.length / 2);
  return { settle: [], resend: [ids.slice(0, half), ids.slice(half)] };
}
