/**
 * The state a follow-up run's input carries (attempt, window, bucket snapshot, carried ids, the
 * chain's failures so far): its schema, from which its types come, and the checks that depend on
 * the run (the bucket capacities, the clock, the scheduled time). Each part within range, so a
 * forged or corrupted input cannot make a chain act on other instances, run for ever, or spin
 * without calling EC2.
 */
import * as v from 'valibot';
import {
  MAX_CARRIED,
  MAX_CHAIN_PROBLEMS,
  MAX_FOLLOW_UPS,
  MAX_NAMED_FAILURES,
  MAX_STALLED_RUNS,
} from '../common/limits';
import {
  flag,
  type Frozen,
  INSTANCE_ID,
  isoTime,
  listOf,
  MalformedEventError,
  matching,
  record,
  says,
  show,
  text,
  wholeNumber,
} from './input-checks';

const MAX_ERROR_CODE = 128;
/** Longest whole-run problem a chain carries. */
const MAX_TEXT = 512;
/** Most failures a chain counts. */
const MAX_FAILURE_COUNT = 1e9;
const DAY_MS = 86_400_000;
/** How far ahead a chain's end may be: a schedule's opposite side fires at least once a year. */
const MAX_WINDOW_MS = 400 * DAY_MS;
/** How old a follow-up's bucket snapshot may be (Lambda keeps an async event up to 6 hours). */
const MAX_SNAPSHOT_AGE_MS = DAY_MS;
/** Clocks of Lambda execution environments agree to well within this. */
const CLOCK_SKEW_MS = 5 * 60_000;

const ID_LIKE = 'like "i-0123456789abcdef0"';
const level = (bucket: string) =>
  v.pipe(
    v.number(says('must be a number')),
    v.finite(says('must be a number')),
    v.description(`The ${bucket} bucket's level, from 0 to its capacity.`),
  );

const bucketSnapshot = v.pipe(
  record(
    {
      request: level('request'),
      resource: level('resource (instance)'),
      at: v.pipe(
        v.number(says('must be a whole number of epoch milliseconds')),
        v.integer(says('must be a whole number of epoch milliseconds')),
        v.description('Epoch milliseconds at which the estimate was taken.'),
      ),
    },
    says('must be {request, resource, at} numbers'),
  ),
  v.description("The run's estimate of EC2's token buckets when it handed over."),
);

const carriedInstances = v.pipe(
  record(
    {
      plain: v.pipe(
        listOf(INSTANCE_ID, `a list of instance ids ${ID_LIKE}`, `an instance id ${ID_LIKE}`),
        v.description('Plain start or stop.'),
      ),
      hibernate: v.pipe(
        listOf(INSTANCE_ID, `a list of instance ids ${ID_LIKE}`, `an instance id ${ID_LIKE}`),
        v.description('Stop with hibernation.'),
      ),
    },
    says(`must be {plain, hibernate}, each a list of instance ids ${ID_LIKE}`),
  ),
  v.check(
    ({ plain, hibernate }) =>
      plain.length + hibernate.length <= MAX_CARRIED &&
      new Set([...plain, ...hibernate]).size === plain.length + hibernate.length,
    (issue) => {
      const { plain, hibernate } = issue.input as { plain: string[]; hibernate: string[] };
      return `carries ${plain.length + hibernate.length} ids; at most ${MAX_CARRIED}, each once`;
    },
  ),
  v.description(
    `The instances the previous run listed and could not reach (at most ${MAX_CARRIED}, each once), so this run need not list again. Absent when there were too many to carry, or the listing itself was cut short.`,
  ),
);

const chainFailures = v.pipe(
  record(
    {
      count: v.pipe(
        wholeNumber(0, MAX_FAILURE_COUNT),
        v.description('Instances that failed, at least as many as `first` names.'),
      ),
      first: v.pipe(
        v.array(
          record(
            {
              instanceId: matching(INSTANCE_ID, says(`must be an instance id ${ID_LIKE}`)),
              errorCode: text(MAX_ERROR_CODE),
            },
            says('must be {instanceId, errorCode}'),
          ),
          says(`must be a list of at most ${MAX_NAMED_FAILURES} {instanceId, errorCode}`),
        ),
        v.maxLength(
          MAX_NAMED_FAILURES,
          says(`must be a list of at most ${MAX_NAMED_FAILURES} {instanceId, errorCode}`),
        ),
        v.description(`The first failed instances (at most ${MAX_NAMED_FAILURES}).`),
      ),
      problems: v.optional(
        v.pipe(
          v.array(
            v.pipe(
              v.string(says(`must be a text of at most ${MAX_TEXT} characters`)),
              v.maxLength(MAX_TEXT, says(`must be a text of at most ${MAX_TEXT} characters`)),
            ),
            says(`must be a list of at most ${MAX_CHAIN_PROBLEMS} texts`),
          ),
          v.maxLength(
            MAX_CHAIN_PROBLEMS,
            says(`must be a list of at most ${MAX_CHAIN_PROBLEMS} texts`),
          ),
          v.description('Faults of a whole run, e.g. `listing failed: UnauthorizedOperation`.'),
        ),
      ),
    },
    says('must be {count, first: [{instanceId, errorCode}], problems?}'),
  ),
  v.forward(
    v.partialCheck(
      [['count'], ['first']],
      ({ count, first }) => count >= first.length,
      (issue) => {
        const { count, first } = issue.input as { count: number; first: unknown[] };
        return `${show(count)} must be a whole number of at least ${first.length} and at most ${MAX_FAILURE_COUNT}`;
      },
    ),
    ['count'],
  ),
  v.description(
    "What failed in the chain's earlier runs. A run that queued its follow-up does not fail its invocation; the chain's last run does, naming these.",
  ),
);

/** The schema of what a run hands to its follow-up. */
export const followUpSchema = v.pipe(
  record(
    {
      attempt: v.pipe(
        wholeNumber(1, MAX_FOLLOW_UPS),
        v.description('1 for the first follow-up, then 2, ...'),
      ),
      notAfter: v.pipe(
        isoTime(),
        v.description(
          "The follow-up chain ends here: the schedule's next opposite transition (ISO 8601).",
        ),
      ),
      buckets: v.optional(bucketSnapshot),
      instances: v.optional(carriedInstances),
      relist: v.optional(
        v.pipe(
          flag(),
          v.description(
            'The listing was cut short: after the carried instances, list again (instances already started or stopped no longer match the filter, so each listing gets further).',
          ),
        ),
      ),
      failures: v.optional(chainFailures),
      stalled: v.optional(
        v.pipe(
          wholeNumber(0, MAX_STALLED_RUNS),
          v.description(
            'How many runs in a row (up to the one that queued this) reached no instance.',
          ),
        ),
      ),
    },
    says('must be an object'),
  ),
  v.description('Present on follow-up runs only: what the previous run handed over.'),
);

/** What a run hands to its follow-up. */
export type FollowUpState = Frozen<v.InferOutput<typeof followUpSchema>>;
/** The run's estimate of EC2's token buckets when it handed over. */
export type BucketSnapshot = Frozen<v.InferOutput<typeof bucketSnapshot>>;
/** Instance ids a follow-up run acts on directly. */
export type CarriedInstances = Frozen<v.InferOutput<typeof carriedInstances>>;
/** The failures of a follow-up chain so far. */
export type ChainFailures = Frozen<v.InferOutput<typeof chainFailures>>;

/** What the state is checked against. */
export interface FollowUpBounds {
  /** The capacity of the action's request bucket, which bounds the snapshot's request level. */
  readonly requestCapacity: number;
  /** The capacity of the action's resource (instance) bucket. */
  readonly resourceCapacity: number;
  /** Epoch ms now, which bounds the snapshot's time. */
  readonly now: number;
}

function within(field: string, value: number, min: number, max: number, range: string): void {
  if (value < min || value > max) {
    throw new MalformedEventError(`followUp.${field} ${show(value)} must be ${range}`);
  }
}

function checkBuckets(
  b: BucketSnapshot,
  { requestCapacity, resourceCapacity, now }: FollowUpBounds,
) {
  const capacity = (c: number) => `a number from 0 to ${c}`;
  within('buckets.request', b.request, 0, requestCapacity, capacity(requestCapacity));
  within('buckets.resource', b.resource, 0, resourceCapacity, capacity(resourceCapacity));
  const [min, max] = [now - MAX_SNAPSHOT_AGE_MS, now + CLOCK_SKEW_MS];
  within('buckets.at', b.at, min, max, `a whole number of at least ${min} and at most ${max}`);
}

function checkWindow(notAfter: string, bounds: FollowUpBounds, scheduledTime?: Date): Date {
  const end = new Date(notAfter);
  const from = scheduledTime?.getTime() ?? bounds.now;
  if (end.getTime() < from - MAX_WINDOW_MS || end.getTime() > from + MAX_WINDOW_MS) {
    throw new MalformedEventError(
      `followUp.notAfter ${show(notAfter)} is more than 400 days from the scheduled time`,
    );
  }
  if (scheduledTime && end < scheduledTime) {
    throw new MalformedEventError(
      `followUp.notAfter ${show(notAfter)} is before the scheduled time ${scheduledTime.toISOString()}`,
    );
  }
  return end;
}

/**
 * Checks a follow-up state the schema accepted against the run (the bucket capacities, the clock,
 * the scheduled time), and writes it as the functions do.
 * @throws MalformedEventError naming the field, the value and the range
 */
export function checkFollowUp(
  state: FollowUpState,
  bounds: FollowUpBounds,
  scheduledTime: Date | undefined,
): FollowUpState {
  const notAfter = checkWindow(state.notAfter, bounds, scheduledTime);
  if (state.buckets) checkBuckets(state.buckets, bounds);
  const { relist, failures, ...rest } = state;
  return {
    ...rest,
    notAfter: notAfter.toISOString(),
    ...(relist ? { relist: true } : {}),
    ...(failures ? { failures: withoutNoProblems(failures) } : {}),
  };
}

function withoutNoProblems({ problems, ...rest }: ChainFailures): ChainFailures {
  return problems && problems.length > 0 ? { ...rest, problems } : rest;
}
