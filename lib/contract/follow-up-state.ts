/**
 * Checks the state a follow-up run's input carries (attempt, window, bucket snapshot, carried
 * ids, the chain's failures so far): each within range, so a forged or corrupted input cannot
 * make a chain act on other instances, run for ever, or spin without calling EC2.
 */
import {
  BucketSnapshot,
  CarriedInstances,
  ChainFailures,
  FollowUpState,
  MAX_CARRIED,
  MAX_CHAIN_PROBLEMS,
  MAX_FOLLOW_UPS,
  MAX_NAMED_FAILURES,
  MAX_STALLED_RUNS,
} from './schedule-input';
import {
  INSTANCE_ID,
  isObject,
  isoDate,
  MalformedEventError,
  show,
  wholeNumber,
} from './input-checks';

const MAX_ERROR_CODE = 128;
/** Longest whole-run problem a chain carries. */
const MAX_TEXT = 512;
const DAY_MS = 86_400_000;
/** How far ahead a chain's end may be: a schedule's opposite side fires at least once a year. */
const MAX_WINDOW_MS = 400 * DAY_MS;
/** How old a follow-up's bucket snapshot may be (Lambda keeps an async event up to 6 hours). */
const MAX_SNAPSHOT_AGE_MS = DAY_MS;
/** Clocks of Lambda execution environments agree to well within this. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What the state is checked against. */
export interface FollowUpBounds {
  /** The capacity of the action's request bucket, which bounds the snapshot's request level. */
  readonly requestCapacity: number;
  /** The capacity of the action's resource (instance) bucket. */
  readonly resourceCapacity: number;
  /** Epoch ms now, which bounds the snapshot's time. */
  readonly now: number;
}

function bucketLevel(field: string, value: unknown, capacity: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > capacity) {
    throw new MalformedEventError(`${field} ${show(value)} must be a number from 0 to ${capacity}`);
  }
  return value;
}

function bucketsOf(b: unknown, options: FollowUpBounds): BucketSnapshot {
  if (!isObject(b)) {
    throw new MalformedEventError(
      `followUp.buckets ${show(b)} must be {request, resource, at} numbers`,
    );
  }
  const { now } = options;
  return {
    request: bucketLevel('followUp.buckets.request', b.request, options.requestCapacity),
    resource: bucketLevel('followUp.buckets.resource', b.resource, options.resourceCapacity),
    at: wholeNumber('followUp.buckets.at', b.at, now - MAX_SNAPSHOT_AGE_MS, now + CLOCK_SKEW_MS),
  };
}

function instancesOf(v: unknown): CarriedInstances {
  const ids = (list: unknown) =>
    Array.isArray(list) && list.every((id) => typeof id === 'string' && INSTANCE_ID.test(id));
  if (!isObject(v) || !ids(v.plain) || !ids(v.hibernate)) {
    throw new MalformedEventError(
      'followUp.instances must be {plain, hibernate}, each a list of instance ids like "i-0123456789abcdef0"',
    );
  }
  const all = [...(v.plain as string[]), ...(v.hibernate as string[])];
  if (all.length > MAX_CARRIED || new Set(all).size !== all.length) {
    throw new MalformedEventError(
      `followUp.instances carries ${all.length} ids; at most ${MAX_CARRIED}, each once`,
    );
  }
  return { plain: v.plain as string[], hibernate: v.hibernate as string[] };
}

function failuresOf(v: unknown): ChainFailures {
  const entry = (e: unknown) =>
    isObject(e) &&
    typeof e.instanceId === 'string' &&
    INSTANCE_ID.test(e.instanceId) &&
    typeof e.errorCode === 'string' &&
    e.errorCode.length > 0 &&
    e.errorCode.length <= MAX_ERROR_CODE;
  const problems = isObject(v) ? (v.problems ?? []) : undefined;
  if (
    !isObject(v) ||
    !Array.isArray(v.first) ||
    v.first.length > MAX_NAMED_FAILURES ||
    !v.first.every(entry) ||
    !Array.isArray(problems) ||
    problems.length > MAX_CHAIN_PROBLEMS ||
    !problems.every((p) => typeof p === 'string' && p.length <= MAX_TEXT)
  ) {
    throw new MalformedEventError(
      `followUp.failures ${show(v)} must be {count, first: [{instanceId, errorCode}], problems?}`,
    );
  }
  const count = wholeNumber('followUp.failures.count', v.count, v.first.length, 1e9);
  return {
    count,
    first: (v.first as { instanceId: string; errorCode: string }[]).map((e) => ({
      instanceId: e.instanceId,
      errorCode: e.errorCode,
    })),
    ...(problems.length > 0 ? { problems: problems as string[] } : {}),
  };
}

export function followUpOf(
  value: unknown,
  options: FollowUpBounds,
  scheduledTime: Date | undefined,
): FollowUpState | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    throw new MalformedEventError(`followUp ${show(value)} must be an object`);
  }
  const attempt = wholeNumber('followUp.attempt', value.attempt, 1, MAX_FOLLOW_UPS);
  const notAfter = isoDate('followUp.notAfter', value.notAfter);
  const from = scheduledTime?.getTime() ?? options.now;
  if (notAfter.getTime() < from - MAX_WINDOW_MS || notAfter.getTime() > from + MAX_WINDOW_MS) {
    throw new MalformedEventError(
      `followUp.notAfter ${show(value.notAfter)} is more than 400 days from the scheduled time`,
    );
  }
  if (scheduledTime && notAfter < scheduledTime) {
    throw new MalformedEventError(
      `followUp.notAfter ${show(value.notAfter)} is before the scheduled time ${scheduledTime.toISOString()}`,
    );
  }
  if (value.relist !== undefined && typeof value.relist !== 'boolean') {
    throw new MalformedEventError(`followUp.relist ${show(value.relist)} must be true or false`);
  }
  return {
    attempt,
    notAfter: notAfter.toISOString(),
    ...(value.buckets !== undefined ? { buckets: bucketsOf(value.buckets, options) } : {}),
    ...(value.instances !== undefined ? { instances: instancesOf(value.instances) } : {}),
    ...(value.relist ? { relist: true } : {}),
    ...(value.failures !== undefined ? { failures: failuresOf(value.failures) } : {}),
    ...(value.stalled !== undefined
      ? { stalled: wholeNumber('followUp.stalled', value.stalled, 0, MAX_STALLED_RUNS) }
      : {}),
  };
}
