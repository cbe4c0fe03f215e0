/**
 * What EC2's errors say of the instances a call named: that they are gone, which ids the message
 * names, or the instance type and Availability Zone that lack capacity.
 */
import { errorCode, errorMessage } from '../run/errors';

/** Errors that mean the instance is gone: nothing to start or stop. */
export const GONE_CODES: ReadonlySet<string> = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
]);

const INSTANCE_ID = /\bi-(?:[0-9a-f]{17}|[0-9a-f]{8})\b/g;

/** The ids of `ids` that the error's message names (EC2 names the instance it refuses). */
export function namedInstances(err: unknown, ids: readonly string[]): string[] {
  const named = new Set(errorMessage(err).match(INSTANCE_ID) ?? []);
  return ids.filter((id) => named.has(id));
}

/**
 * The instance type and Availability Zone an `InsufficientInstanceCapacity` error names ("We
 * currently do not have sufficient m5.large capacity in the Availability Zone you requested
 * (us-east-1b)"), if it names them.
 */
export function capacityShortfall(err: unknown): { type: string; zone: string } | undefined {
  if (errorCode(err) !== 'InsufficientInstanceCapacity') return undefined;
  const m = /sufficient (\S+) capacity in the Availability Zone you requested \(([^)\s]+)\)/.exec(
    errorMessage(err),
  );
  return m ? { type: m[1], zone: m[2] } : undefined;
}
