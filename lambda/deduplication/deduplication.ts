/**
 * One effective run per delivered event, whatever delivers it twice (an asynchronous Lambda event
 * may arrive more than once; two schedules may fire at the same minute). Built on Powertools for
 * AWS Lambda's Idempotency utility with its DynamoDB persistence layer: before the run, a
 * conditional PutItem records the event's key as in progress (until the invocation's deadline);
 * after it, an UpdateItem records it completed, with the summary, for 24 hours.
 *
 * - A concurrent duplicate (the key in progress) returns at once, acting on nothing.
 * - A later duplicate (the key completed) returns the stored summary, acting on nothing; a run that
 *   failed after reporting is stored as done too, so its duplicate does not report it again.
 * - Fail safe: when the store cannot be read or written before the run, the run goes ahead
 *   (re-running is safe, a missed start is not), with an error line and a metric. Its calls are
 *   bounded so that it never eats the run's time.
 *
 * An event without a scheduled time (invoked by hand with the placeholder left in) is not
 * deduplicated.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import type { Context } from 'aws-lambda';
import type { ScheduleAction, SchedulerEvent } from '../../lib/contract/schedule-input';
import { DEDUPLICATION_METRIC_NAMES, DEDUPLICATION_TABLE } from '../../lib/common/shared-names';
import type { RunLogger } from '../run/deps';
import { StoreClient } from './deduplication-client';
import { describeError, logAttributes } from '../run/errors';
import { TargetsFailedError } from '../hub/hub';
import { RunFailedError } from '../run/report';

/** What makes two deliveries the same run: one effective run per key. */
export interface DeliveryKey {
  readonly action: ScheduleAction;
  readonly schedule: string;
  /** When the schedule fired (EventBridge Scheduler's scheduled time), ISO 8601. */
  readonly scheduledTime: string;
  /** An enforcement check, not the schedule's own stop. */
  readonly enforcement: boolean;
  /** A hub's follow-up run in one target. */
  readonly account?: string;
  readonly region?: string;
  /** The follow-up run's attempt (absent on the schedule's own run). */
  readonly followUp?: number;
}

/** What a concurrent duplicate returns: it did nothing. */
export interface DuplicateDelivery {
  readonly duplicate: 'in progress';
  readonly deduplicationKey: DeliveryKey;
}

/** Counts the deduplication's events as CloudWatch metrics (dimensions Schedule and Action). */
export interface DeliveryMetrics {
  count(name: string, event: SchedulerEvent): void;
}

/** Records expire after a day: EventBridge Scheduler retries for at most 24 h, Lambda 6 h. */
export const RECORD_SECONDS = 86_400;
/** The check before the run takes at most this share of the time left, within the bounds below. */
const BEFORE_RUN_SHARE = 0.05;
const BEFORE_RUN_MIN_MS = 500;
const BEFORE_RUN_MAX_MS = 2_000;
/** Recording the run as done takes at most this (and half the time left). */
const AFTER_RUN_MAX_MS = 2_000;
/** A stored summary over this (JSON characters) is stored abridged: DynamoDB items hold 400 KB. */
const MAX_STORED_CHARS = 300_000;

/** The key of an event, or undefined when it has no scheduled time (not deduplicated). */
export function deliveryKey(event: SchedulerEvent): DeliveryKey | undefined {
  if (event.scheduledTime === undefined) return undefined;
  return {
    action: event.action,
    schedule: event.schedule,
    scheduledTime: event.scheduledTime,
    enforcement: event.enforce !== undefined,
    ...(event.target ? { account: event.target.account, region: event.target.region } : {}),
    ...(event.followUp ? { followUp: event.followUp.attempt } : {}),
  };
}

/** What the store keeps of a run: its summary, and the failure it reported, if any. */
interface StoredRun {
  readonly summary: JSONValue;
  readonly failed?: { readonly name: string; readonly message: string };
  /** Set by the response hook: this came from the store, not from a run here. */
  readonly replayed?: true;
}

/** One delivery's run, called at most once by Powertools. */
class Attempt<T> {
  started = false;
  private outcome?: { value: T } | { error: unknown };

  constructor(
    private readonly run: () => Promise<T>,
    private readonly afterRun: () => void,
  ) {}

  async execute(): Promise<StoredRun> {
    this.started = true;
    try {
      const value = await this.run();
      this.outcome = { value };
      return { summary: storable(value) };
    } catch (error) {
      this.outcome = { error };
      // Reported (the summary, lines and metrics are out): stored as done, so a duplicate does
      // not report it again. Any other fault: Powertools deletes the record, a retry may run.
      if (error instanceof RunFailedError || error instanceof TargetsFailedError) {
        return {
          summary: storable(error.summary),
          failed: { name: error.name, message: error.message },
        };
      }
      throw error;
    } finally {
      this.afterRun();
    }
  }

  /** The run's own result: its value, or its error thrown again. */
  result(): T {
    if (!this.outcome) throw new Error('the run did not run');
    if ('error' in this.outcome) throw this.outcome.error;
    return this.outcome.value;
  }
}

/** The summary as plain JSON (what DynamoDB can hold), abridged when it is too large. */
function storable(value: unknown): JSONValue {
  const json = JSON.stringify(value ?? null);
  const plain = JSON.parse(json) as JSONValue;
  if (
    json.length <= MAX_STORED_CHARS ||
    !plain ||
    typeof plain !== 'object' ||
    Array.isArray(plain)
  ) {
    return plain;
  }
  const scalars = Object.entries(plain).filter(([, v]) => v === null || typeof v !== 'object');
  return { ...Object.fromEntries(scalars), abridged: true };
}

/** Options of a {@link Deduplication}. */
export interface DeduplicationOptions {
  readonly tableName: string;
  readonly logger: RunLogger;
  readonly metrics: DeliveryMetrics;
}

/** The store and the wrapper around each delivery's run. */
export class Deduplication {
  /** The store's DynamoDB client, its calls bounded by the phase's deadline. */
  readonly client = new StoreClient();
  private readonly config: IdempotencyConfig;
  private readonly idempotent: (key: DeliveryKey, attempt: Attempt<unknown>) => Promise<StoredRun>;
  private readonly store: DynamoDBPersistenceLayer;

  constructor(private readonly options: DeduplicationOptions) {
    this.config = new IdempotencyConfig({
      expiresAfterSeconds: RECORD_SECONDS,
      responseHook: (response) => ({ ...(response as object), replayed: true }),
    });
    const persistenceStore = (this.store = new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      keyAttr: DEDUPLICATION_TABLE.partitionKey,
      expiryAttr: DEDUPLICATION_TABLE.expiryAttribute,
      awsSdkV3Client: this.client.dynamodb,
    }));
    this.idempotent = makeIdempotent(
      (_key: DeliveryKey, attempt: Attempt<unknown>) => attempt.execute(),
      { persistenceStore, config: this.config, dataIndexArgument: 0 },
    );
  }

  /**
   * Runs `run` unless this event's key is in progress or done: then returns what a duplicate
   * returns. Throws what the run throws (on its first delivery only).
   */
  async once<T>(
    event: SchedulerEvent,
    context: Context,
    run: () => Promise<T>,
  ): Promise<T | DuplicateDelivery> {
    const key = deliveryKey(event);
    if (!key) return run();
    const left = context.getRemainingTimeInMillis();
    this.client.begin(
      Math.min(BEFORE_RUN_MAX_MS, Math.max(BEFORE_RUN_MIN_MS, left * BEFORE_RUN_SHARE)),
    );
    // The in-progress record expires with this invocation: a run that crashed does not block
    // its retry longer than the function's timeout.
    this.config.registerLambdaContext(context);
    const afterRun = () => {
      this.client.within(Math.min(AFTER_RUN_MAX_MS, context.getRemainingTimeInMillis() / 2));
    };
    const attempt = new Attempt(run, afterRun);
    let stored: StoredRun;
    try {
      stored = await this.idempotent(key, attempt as Attempt<unknown>);
    } catch (err) {
      return this.afterFailure(err, key, event, attempt);
    }
    if (attempt.started) return attempt.result();
    return this.replay(stored, key, event) as T;
  }

  /** The store failed, or the key is in progress elsewhere. */
  private async afterFailure<T>(
    err: unknown,
    key: DeliveryKey,
    event: SchedulerEvent,
    attempt: Attempt<T>,
  ): Promise<T | DuplicateDelivery> {
    const { logger, metrics } = this.options;
    const error = describeError((err as { cause?: unknown }).cause ?? err);
    if (attempt.started) {
      // The run ran; recording it as done failed. Never run twice in one invocation.
      this.notRecorded(key, event, err);
      return attempt.result();
    }
    if (err instanceof IdempotencyAlreadyInProgressError && this.client.uncertainPuts === 0) {
      logger.info('duplicate delivery: another invocation is running this event; nothing done', {
        deduplicationKey: key,
      });
      metrics.count(DEDUPLICATION_METRIC_NAMES.duplicate, event);
      return { duplicate: 'in progress', deduplicationKey: key };
    }
    // Unreadable or unwritable store, or a put of ours whose answer was lost (the record "in
    // progress" may be our own): run, as without deduplication.
    logger.error(
      'deduplication store unavailable; running without it (a duplicate delivery may run as well)',
      { deduplicationKey: key, ...logAttributes(error) },
    );
    metrics.count(DEDUPLICATION_METRIC_NAMES.unavailable, event);
    const stored = await attempt.execute();
    try {
      // So that a later duplicate finds it done (the store may be back, or was never down).
      await this.store.saveSuccess(key as unknown as JSONValue, stored as unknown as JSONValue);
    } catch (saveError) {
      this.notRecorded(key, event, saveError);
    }
    return attempt.result();
  }

  private notRecorded(key: DeliveryKey, event: SchedulerEvent, err: unknown): void {
    this.options.logger.error(
      'deduplication: could not record the run as done; a duplicate delivered later may run it again',
      {
        deduplicationKey: key,
        ...logAttributes(describeError((err as { cause?: unknown }).cause ?? err)),
      },
    );
    this.options.metrics.count(DEDUPLICATION_METRIC_NAMES.unavailable, event);
  }

  /** A later duplicate: the stored summary, and nothing else. */
  private replay(stored: StoredRun, key: DeliveryKey, event: SchedulerEvent): JSONValue {
    const failed = stored.failed
      ? ` It failed, and the first delivery reported it: ${stored.failed.message}`
      : '';
    this.options.logger.info(`duplicate delivery: this event already ran; nothing done.${failed}`, {
      deduplicationKey: key,
    });
    this.options.metrics.count(DEDUPLICATION_METRIC_NAMES.duplicate, event);
    return stored.summary;
  }
}

/** The deduplication the construct configured (its table in the environment), if any. */
export function deduplicationFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  deps: Omit<DeduplicationOptions, 'tableName'>,
): Deduplication | undefined {
  const tableName = env[DEDUPLICATION_TABLE.environment];
  return tableName ? new Deduplication({ tableName, ...deps }) : undefined;
}
