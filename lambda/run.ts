/**
 * One run of a schedule: find the tagged instances, then start or stop them in batches paced to
 * EC2's rate limits, isolating failures by bisection and handing what the deadline leaves to a
 * follow-up run. The Lambda entry points are thin shells over `handle`.
 */
import {
  EC2Client,
  Instance,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { nextFiring } from '../lib/firings';
import { localDate } from '../lib/time-zone';
import type { ScheduleAction, SchedulerEvent } from '../lib/event';
import { parseEvent, RunInput } from './event';
import { auditTagValue, writeAuditTags } from './audit';
import { listInstances } from './list';
import { EC2_DEFAULT_LIMITS, Ec2Limits, MAX_BATCH, Pacer } from './pacer';
import { FIRST_POLL_MS, verifyStarts } from './verify';

export type Outcome = 'started' | 'stopped' | 'skipped' | 'deferred' | 'failed';

export interface InstanceResult {
  readonly instanceId: string;
  readonly outcome: Outcome;
  /** Why an instance was skipped or deferred. */
  readonly reason?: string;
  readonly errorCode?: string;
  /** EC2's error message, or what went wrong. */
  readonly errorMessage?: string;
  /** Stopped with hibernation. */
  readonly hibernated?: boolean;
  /** Start: seen `running` afterwards (false: still pending when verification timed out). */
  readonly verified?: boolean;
}

export interface RunSummary {
  readonly schedule: string;
  readonly action: ScheduleAction;
  readonly dryRun: boolean;
  readonly scheduledTime?: string;
  /** Set when the run did nothing because the local date is in skipDates. */
  readonly skipDate?: string;
  /** Tagged instances found in the state this action applies to. */
  readonly found: number;
  readonly started: number;
  readonly stopped: number;
  readonly skipped: number;
  readonly deferred: number;
  readonly failed: number;
  /** Started, but still pending when verification timed out. */
  readonly unverified: number;
  /** Instances given the audit tag. */
  readonly auditTagged: number;
  /** The failed instances (at most 100 listed). */
  readonly failures: readonly { instanceId: string; errorCode: string; message: string }[];
  /** The follow-up run queued for deferred instances, if any. */
  readonly followUp?: { readonly attempt: number; readonly notAfter: string };
  readonly apiCalls: number;
  readonly throttledCalls: number;
  readonly durationMs: number;
}

/** Structured logger; Powertools' Logger fits. */
export interface RunLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface RunDeps {
  /** Client for DescribeInstances (SDK adaptive retry). */
  readonly ec2: EC2Client;
  /**
   * Client for StartInstances/StopInstances. Its retry strategy should surface throttling, so
   * the run can shrink the batch instead of resending it whole.
   * @default ec2
   */
  readonly ec2Actions?: EC2Client;
  readonly logger: RunLogger;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
  /** Queues a follow-up run with the given input (async self-invocation in Lambda). */
  readonly followUp?: (event: SchedulerEvent) => Promise<void>;
  readonly limits?: Ec2Limits;
  readonly clock?: Clock;
  /** Receives the summary of every run that is not a dry run (CloudWatch metrics in Lambda). */
  readonly metrics?: RunMetrics;
}

export interface RunMetrics {
  publish(summary: RunSummary): void;
}

/** The invocation fails with this when any instance failed, after every other was handled. */
export class RunFailedError extends Error {
  constructor(readonly summary: RunSummary) {
    super(
      `${summary.failed} instance(s) failed to ${summary.action} for schedule "${summary.schedule}": ` +
        summary.failures
          .slice(0, 10)
          .map((f) => `${f.instanceId} (${f.errorCode})`)
          .join(', '),
    );
    this.name = 'RunFailedError';
  }
}

const ASG_TAG = 'aws:autoscaling:groupName';
/** A follow-up chain never outlives the next opposite transition; this bounds it in count too. */
export const MAX_FOLLOW_UPS = 1000;
const NO_OPPOSITE_WINDOW_MS = 24 * 3600_000;
/**
 * Most instance ids a follow-up input carries (about 22 bytes each, well inside Lambda's
 * payload limit for asynchronous invocations); beyond this the follow-up lists again.
 */
export const MAX_CARRIED = 8000;
const THROTTLE_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
]);
/** Errors that mean the instance is gone: nothing to start or stop. */
const GONE_CODES = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Batch {
  readonly ids: string[];
  readonly hibernate: boolean;
  /** Plain stop after hibernation was refused. */
  readonly fallback?: boolean;
}

function batchesOf(ids: string[], hibernate: boolean): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    out.push({ ids: ids.slice(i, i + MAX_BATCH), hibernate });
  }
  return out;
}

function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string };
  return e.Code ?? e.name ?? 'Error';
}

function isAbort(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/** Parses the raw event, runs it, and fails the invocation when any instance failed. */
export async function handle(
  raw: unknown,
  action: ScheduleAction,
  deps: RunDeps,
): Promise<RunSummary> {
  const input = parseEvent(raw, action);
  const summary = await runSchedule(input, deps);
  if (summary.failed > 0) throw new RunFailedError(summary);
  return summary;
}

export async function runSchedule(input: RunInput, deps: RunDeps): Promise<RunSummary> {
  return new Run(input, deps).execute();
}

class Run {
  private readonly event: SchedulerEvent;
  private readonly clock: Clock;
  private readonly actions: EC2Client;
  private readonly started: number;
  private readonly marginMs: number;
  private readonly verifyReserveMs: number;
  /** One result per instance; a later result for the same instance replaces the earlier. */
  private readonly results = new Map<string, InstanceResult>();
  /** Instances given the audit tag. */
  private readonly tagged = new Set<string>();
  private readonly pacer: Pacer;
  private callEstimateMs = 250;
  private apiCalls = 0;
  private throttledCalls = 0;
  private found = 0;

  constructor(
    private readonly input: RunInput,
    private readonly deps: RunDeps,
  ) {
    this.event = input.event;
    this.clock = deps.clock ?? realClock;
    this.actions = deps.ec2Actions ?? deps.ec2;
    this.started = this.clock.now();
    // The safety margin scales with the time the run has: 10%, between 100 ms and 5 s.
    const budget = deps.remainingMs();
    this.marginMs = Math.round(Math.min(5000, Math.max(100, budget * 0.1)));
    // Starts keep back 10% of the run's time (at most the verification timeout) to be verified
    // in this run, when that is enough for a poll. Starting comes first: a short run may leave
    // no time to verify.
    const verifyMs = (this.event.verifyTimeoutSeconds ?? 0) * 1000;
    const reserve = Math.min(verifyMs, budget * 0.1);
    this.verifyReserveMs =
      this.event.action === 'start' && !this.event.dryRun && reserve >= FIRST_POLL_MS + 500
        ? reserve
        : 0;
    const limits = (deps.limits ?? EC2_DEFAULT_LIMITS)[this.event.action];
    this.pacer = new Pacer(limits, this.started, this.event.followUp?.buckets);
  }

  private timeLeft(): number {
    return this.deps.remainingMs() - this.marginMs;
  }

  /** Time left for starting or stopping: what verification needs is kept back. */
  private timeToAct(): number {
    return this.timeLeft() - this.verifyReserveMs;
  }

  /** Records an instance's outcome; every instance is logged once, when the run ends. */
  private log(result: InstanceResult): void {
    this.results.set(result.instanceId, result);
  }

  async execute(): Promise<RunSummary> {
    const { event } = this;
    const firedAt = this.input.scheduledTime ?? new Date(this.started);
    if (event.action === 'start' && event.skipDates.length > 0) {
      const today = localDate(firedAt, event.timeZone);
      if (event.skipDates.includes(today)) {
        this.deps.logger.info('skip date: no start today', {
          schedule: event.schedule,
          localDate: today,
          timeZone: event.timeZone,
        });
        return this.summary({ skipDate: today });
      }
    }
    const notAfter = this.notAfter(firedAt);

    const carried = event.followUp?.instances;
    let batches: Batch[];
    // Whether a later run must list again: the listing was cut short here, or before.
    let relist: boolean;
    if (carried) {
      // The previous run listed these and could not reach them: act without listing again.
      relist = event.followUp?.relist ?? false;
      this.found = carried.plain.length + carried.hibernate.length;
      batches = [
        ...batchesOf([...carried.hibernate], true),
        ...batchesOf([...carried.plain], false),
      ];
    } else {
      const listing = await this.describe();
      relist = !listing.complete;
      if (relist) {
        // The deadline came while listing: act on what was listed, and let a follow-up run
        // list again (instances started or stopped here no longer match its filter).
        this.deps.logger.warn('deadline reached while listing instances', {
          schedule: event.schedule,
          listed: listing.instances.length,
        });
      }
      batches = this.plan(listing.instances);
    }
    if (this.clock.now() >= notAfter.getTime()) {
      for (const batch of batches)
        this.failAll(batch.ids, 'WindowClosed', this.windowMessage(notAfter));
      return this.summary();
    }
    const left = event.dryRun ? this.dryRun(batches) : await this.act(batches, notAfter);
    if (!event.dryRun) await this.verify();
    return this.summary(await this.handOver(left, relist, notAfter));
  }

  private notAfter(firedAt: Date): Date {
    if (this.event.followUp) return new Date(this.event.followUp.notAfter);
    const next =
      this.input.opposite && nextFiring(this.input.opposite, this.event.timeZone, firedAt);
    return next ?? new Date(firedAt.getTime() + NO_OPPOSITE_WINDOW_MS);
  }

  private windowMessage(notAfter: Date): string {
    const opposite = this.event.action === 'start' ? 'stop' : 'start';
    return `the schedule's next ${opposite} (${notAfter.toISOString()}) came before this instance could be reached`;
  }

  /**
   * The tagged instances in the state this action applies to: all of them, or (complete false)
   * the pages listed before the deadline.
   */
  private async describe(): Promise<{ instances: Instance[]; complete: boolean }> {
    const instances: Instance[] = [];
    // Before each page, the first included: is there time for it?
    let complete = this.callEstimateMs <= this.timeLeft();
    if (!complete) return { instances, complete };
    const pages = listInstances({
      ec2: this.deps.ec2,
      tagKey: this.event.tagKey,
      schedule: this.event.schedule,
      states: [this.event.action === 'start' ? 'stopped' : 'running'],
      call: (fn) => this.call(fn),
    });
    for await (const page of pages) {
      instances.push(...page);
      if (this.callEstimateMs > this.timeLeft()) {
        complete = false;
        break;
      }
    }
    this.found = instances.length;
    return { instances, complete };
  }

  /** Applies the skip rules and groups the rest into batches of at most 1,000 ids. */
  private plan(instances: Instance[]): Batch[] {
    const stop = this.event.action === 'stop';
    const plain: string[] = [];
    const hibernate: string[] = [];
    for (const instance of instances) {
      const instanceId = instance.InstanceId as string;
      const skip = (reason: string) => this.log({ instanceId, outcome: 'skipped', reason });
      if (instance.Tags?.some((t) => t.Key === ASG_TAG)) {
        skip('member of an Auto Scaling group, which would replace it');
      } else if (stop && instance.InstanceLifecycle === 'spot') {
        skip('spot instance');
      } else if (stop && instance.RootDeviceType === 'instance-store') {
        skip('instance-store root volume, which cannot be stopped');
      } else if (stop && this.event.hibernate && instance.HibernationOptions?.Configured) {
        hibernate.push(instanceId);
      } else {
        plain.push(instanceId);
      }
    }
    return [...batchesOf(hibernate, true), ...batchesOf(plain, false)];
  }

  private dryRun(batches: Batch[]): Batch[] {
    const outcome = this.event.action === 'start' ? 'started' : 'stopped';
    for (const batch of batches) {
      for (const instanceId of batch.ids) {
        this.log({ instanceId, outcome, ...(batch.hibernate ? { hibernated: true } : {}) });
      }
    }
    return [];
  }

  /** Sends the batches; returns what the deadline left unreached. */
  private async act(queue: Batch[], notAfter: Date): Promise<Batch[]> {
    while (queue.length > 0) {
      const batch = queue.shift() as Batch;
      const { size, waitMs } = this.pacer.plan(
        batch.ids.length,
        this.clock.now(),
        this.timeToAct() - this.callEstimateMs,
      );
      if (size < batch.ids.length) {
        queue.unshift({ ...batch, ids: batch.ids.slice(size) });
      }
      const ids = batch.ids.slice(0, size);
      if (this.clock.now() + waitMs >= notAfter.getTime()) {
        // The schedule's opposite transition comes first: acting now would undo it.
        const rest = [...ids, ...queue.flatMap((b) => b.ids)];
        this.failAll(rest, 'WindowClosed', this.windowMessage(notAfter));
        return [];
      }
      // The audit tag that follows is best effort: only the start or stop call must fit.
      if (waitMs + this.callEstimateMs > this.timeToAct()) {
        queue.unshift({ ...batch, ids });
        return queue;
      }
      if (waitMs > 0) await this.clock.sleep(waitMs);
      const outcome = await this.send(ids, batch);
      if (outcome === 'done') continue;
      if (outcome === 'throttled') {
        queue.unshift({ ...batch, ids });
      } else if (outcome === 'aborted') {
        // The call ran into the deadline: EC2 may or may not have acted; acting again is safe.
        return [{ ...batch, ids }, ...queue];
      } else {
        this.isolate(outcome, ids, batch, queue);
      }
    }
    return [];
  }

  /** A call failed for a reason other than throttling: split it, or settle a single instance. */
  private isolate(err: unknown, ids: string[], batch: Batch, queue: Batch[]): void {
    const code = errorCode(err);
    const message = (err as Error).message ?? String(err);
    if (ids.length > 1) {
      const half = Math.ceil(ids.length / 2);
      queue.unshift({ ...batch, ids: ids.slice(0, half) }, { ...batch, ids: ids.slice(half) });
      return;
    }
    const instanceId = ids[0];
    if (batch.hibernate && code === 'UnsupportedHibernationConfiguration') {
      queue.unshift({ ids, hibernate: false, fallback: true });
    } else if (GONE_CODES.has(code)) {
      this.log({
        instanceId,
        outcome: 'skipped',
        reason: 'instance no longer exists',
        errorCode: code,
      });
    } else {
      this.log({ instanceId, outcome: 'failed', errorCode: code, errorMessage: message });
    }
  }

  private async send(
    ids: string[],
    batch: Batch,
  ): Promise<'done' | 'throttled' | 'aborted' | unknown> {
    const start = this.event.action === 'start';
    try {
      await this.call((abortSignal) =>
        start
          ? this.actions.send(new StartInstancesCommand({ InstanceIds: ids }), { abortSignal })
          : this.actions.send(
              new StopInstancesCommand({
                InstanceIds: ids,
                ...(batch.hibernate ? { Hibernate: true } : {}),
              }),
              { abortSignal },
            ),
      );
    } catch (err) {
      const at = this.clock.now();
      if (THROTTLE_CODES.has(errorCode(err))) {
        this.throttledCalls++;
        this.pacer.throttled(ids.length, at);
        this.deps.logger.warn('throttled by EC2; shrinking the batch', {
          schedule: this.event.schedule,
          batch: ids.length,
          nextBatchCap: this.pacer.batchCap,
        });
        return 'throttled';
      }
      this.pacer.failed(at);
      if (isAbort(err)) return 'aborted';
      return err;
    }
    const at = this.clock.now();
    this.pacer.succeeded(ids.length, at);
    await this.tag(ids, start ? 'started' : 'stopped', at);
    for (const instanceId of ids) {
      this.log({
        instanceId,
        outcome: start ? 'started' : 'stopped',
        ...(batch.hibernate ? { hibernated: true } : {}),
        ...(batch.fallback ? { reason: 'hibernation refused; stopped without it' } : {}),
      });
    }
    return 'done';
  }

  /**
   * Counts the call, bounds it by the run's deadline, and keeps a running estimate of how long
   * calls take.
   */
  private async call<T>(fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const t0 = this.clock.now();
    this.apiCalls++;
    try {
      return await fn(AbortSignal.timeout(Math.max(1, Math.floor(this.timeLeft()))));
    } finally {
      const took = this.clock.now() - t0;
      this.callEstimateMs = Math.max(50, 0.7 * this.callEstimateMs + 0.3 * took);
    }
  }

  /** Follows this run's starts until the instances are running, or the time is up. */
  private async verify(): Promise<void> {
    const seconds = this.event.verifyTimeoutSeconds ?? 0;
    if (this.event.action !== 'start' || seconds <= 0) return;
    const ids = [...this.results.values()]
      .filter((r) => r.outcome === 'started')
      .map((r) => r.instanceId);
    if (ids.length === 0) return;
    const until = Math.min(
      this.clock.now() + seconds * 1000,
      this.clock.now() + this.timeLeft() - this.callEstimateMs,
    );
    const result = await verifyStarts({
      ec2: this.deps.ec2,
      tagKey: this.event.tagKey,
      schedule: this.event.schedule,
      ids,
      until,
      now: () => this.clock.now(),
      sleep: (ms) => this.clock.sleep(ms),
      call: (fn) => this.call(fn),
      callEstimateMs: () => this.callEstimateMs,
    });
    for (const instanceId of result.running) {
      this.log({ instanceId, outcome: 'started', verified: true });
    }
    for (const bounce of result.bounced) this.log({ ...bounce, outcome: 'failed' });
    // The audit tag said "started": say what happened instead.
    await this.tag(
      result.bounced.map((b) => b.instanceId),
      'start failed',
      this.clock.now(),
    );
    const reason =
      result.polls === 0
        ? "not verified: the run's deadline left no time to look"
        : `still pending after ${Math.round(result.waitedMs / 1000)} s`;
    for (const instanceId of result.unverified) {
      this.log({ instanceId, outcome: 'started', verified: false, reason });
    }
  }

  /** Writes the audit tag on instances this run just acted on (best effort). */
  private async tag(ids: string[], verb: string, at: number): Promise<void> {
    if (!this.event.auditTags || ids.length === 0) return;
    const result = await writeAuditTags({
      ec2: this.deps.ec2,
      tagKey: this.event.tagKey,
      ids,
      value: auditTagValue(verb, at, this.event.schedule),
      call: (fn) => this.call(fn),
      haveTime: () => this.callEstimateMs < this.timeLeft(),
    });
    for (const id of result.taggedIds) this.tagged.add(id);
    for (const { count, errorCode } of result.untagged) {
      this.deps.logger.warn('audit tag not written; the start or stop itself succeeded', {
        schedule: this.event.schedule,
        instances: count,
        errorCode,
      });
    }
  }

  private failAll(ids: string[], errorCode: string, message: string): void {
    for (const instanceId of ids) {
      this.log({ instanceId, outcome: 'failed', errorCode, errorMessage: message });
    }
  }

  /**
   * Hands what is left to a follow-up run: the listed but unreached instances (carried in the
   * input when there are not too many, else listed again), and, when a listing was cut short,
   * the instances not listed yet.
   */
  private async handOver(
    left: Batch[],
    relist: boolean,
    notAfter: Date,
  ): Promise<Partial<RunSummary>> {
    const ids = left.flatMap((b) => b.ids);
    if (ids.length === 0 && !relist) return {};
    const attempt = (this.event.followUp?.attempt ?? 0) + 1;
    const now = this.clock.now();
    const giveUp = (code: string, message: string): Partial<RunSummary> => {
      this.failAll(ids, code, message);
      // Instances never listed have no line of their own: fail the invocation for them.
      if (relist) throw new Error(`schedule "${this.event.schedule}": ${message}`);
      return {};
    };
    if (now >= notAfter.getTime() || attempt > MAX_FOLLOW_UPS) {
      return giveUp('WindowClosed', this.windowMessage(notAfter));
    }
    const carry =
      ids.length > 0 && ids.length <= MAX_CARRIED
        ? {
            instances: {
              plain: left.filter((b) => !b.hibernate).flatMap((b) => b.ids),
              hibernate: left.filter((b) => b.hibernate).flatMap((b) => b.ids),
            },
            ...(relist ? { relist: true } : {}),
          }
        : {};
    const next: SchedulerEvent = {
      ...this.event,
      followUp: {
        attempt,
        notAfter: notAfter.toISOString(),
        buckets: this.pacer.snapshot(now),
        ...carry,
      },
    };
    if (!this.deps.followUp) {
      return giveUp('NoFollowUp', 'the deadline came and no follow-up run can be queued');
    }
    try {
      await this.deps.followUp(next);
    } catch (err) {
      return giveUp(
        'FollowUpFailed',
        `could not queue the follow-up run: ${errorCode(err)}: ${(err as Error).message}`,
      );
    }
    for (const instanceId of ids) {
      this.log({ instanceId, outcome: 'deferred', reason: `handed to follow-up run ${attempt}` });
    }
    return { followUp: { attempt, notAfter: notAfter.toISOString() } };
  }

  private summary(extra: Partial<RunSummary> = {}): RunSummary {
    const results = [...this.results.values()];
    for (const result of results) {
      this.deps.logger.info('instance', {
        schedule: this.event.schedule,
        action: this.event.action,
        dryRun: this.event.dryRun,
        ...result,
      });
    }
    const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
    const failures = results
      .filter((r) => r.outcome === 'failed')
      .slice(0, 100)
      .map((r) => ({
        instanceId: r.instanceId,
        errorCode: r.errorCode ?? 'Error',
        message: r.errorMessage ?? '',
      }));
    const summary: RunSummary = {
      schedule: this.event.schedule,
      action: this.event.action,
      dryRun: this.event.dryRun,
      ...(this.event.scheduledTime ? { scheduledTime: this.event.scheduledTime } : {}),
      found: this.found,
      started: count('started'),
      stopped: count('stopped'),
      skipped: count('skipped'),
      deferred: count('deferred'),
      failed: count('failed'),
      unverified: results.filter((r) => r.verified === false).length,
      auditTagged: this.tagged.size,
      failures,
      apiCalls: this.apiCalls,
      throttledCalls: this.throttledCalls,
      durationMs: this.clock.now() - this.started,
      ...extra,
    };
    this.deps.logger.info('summary', { ...summary });
    if (!this.event.dryRun) this.deps.metrics?.publish(summary);
    return summary;
  }
}
