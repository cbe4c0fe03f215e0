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
import type { HttpHandlerOptions } from '@smithy/types';
import { nextFiring } from '../lib/firings';
import { localDate } from '../lib/time-zone';
import {
  MAX_CARRIED,
  MAX_FOLLOW_UPS,
  MAX_STALLED_RUNS,
  type ScheduleAction,
  type SchedulerEvent,
} from '../lib/event';
import { addFailures, chainFailures, failureMessage, problemsOf, RunFaults } from './chain';
import { callOptions } from './clients';
import { Deployment, parseEvent, RunInput } from './event';
import { auditTagValue, writeAuditTags } from './audit';
import { describeError, errorCode, GONE_CODES, isAbort, isThrottle, logAttributes } from './errors';
import { isolate, Placement } from './isolate';
import { describeStillMatching, listInstances } from './list';
import { EC2_DEFAULT_LIMITS, Ec2Limits, MAX_BATCH, Pacer } from './pacer';
import { FIRST_POLL_MS, verifyStarts } from './verify';

export { MAX_CARRIED, MAX_FOLLOW_UPS };

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

export interface RunSummary extends RunFaults {
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
  /**
   * The tag key and schedule names the stack configured; an event naming others is malformed.
   * The Lambda shell reads them from the environment the construct sets. Absent (unit tests of
   * the run), events are not checked against a deployment.
   */
  readonly deployment?: Deployment;
}

export interface RunMetrics {
  publish(summary: RunSummary): void;
}

/**
 * The invocation fails with this, after the summary and metrics, when the run is the last of its
 * chain (it queued no follow-up) and anything in the chain failed.
 */
export class RunFailedError extends Error {
  constructor(readonly summary: RunSummary) {
    super(failureMessage(summary));
    this.name = 'RunFailedError';
  }
}

const ASG_TAG = 'aws:autoscaling:groupName';

const NO_OPPOSITE_WINDOW_MS = 24 * 3600_000;

const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Batch {
  readonly ids: string[];
  readonly hibernate: boolean;
  /** Plain stop after hibernation was refused. */
  readonly fallback?: boolean;
  /** Handed over by the previous run: to be looked at again before anything is done. */
  readonly carried?: boolean;
}

function batchesOf(ids: readonly string[], hibernate: boolean, carried = false): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < ids.length; i += MAX_BATCH) {
    out.push({ ids: ids.slice(i, i + MAX_BATCH), hibernate, ...(carried ? { carried } : {}) });
  }
  return out;
}

/** Carried ids are looked at again this many at a time (what one DescribeInstances call takes). */
const LOOK_AGAIN_CHUNK = 198;

/**
 * Parses the raw event, runs it, and fails the invocation (after the summary and metrics) when
 * the run is the last of its chain and anything in the chain failed.
 */
export async function handle(
  raw: unknown,
  action: ScheduleAction,
  deps: RunDeps,
): Promise<RunSummary> {
  const input = parseEvent(raw, action, {
    deployment: deps.deployment,
    limits: (deps.limits ?? EC2_DEFAULT_LIMITS)[action],
    now: (deps.clock ?? realClock).now(),
  });
  const summary = await runSchedule(input, deps);
  // A run with a successor never fails: a retry of it would start a second chain.
  if (!summary.followUp && chainFailures(summary)) throw new RunFailedError(summary);
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
  /** Kept back for queuing the follow-up run, which comes after everything else. */
  private readonly handOverReserveMs: number;
  /** Batches waiting to be sent. */
  private queue: Batch[] = [];
  /** Instance type and Availability Zone of each listed instance. */
  private readonly placement = new Map<string, Placement>();
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
    this.handOverReserveMs = deps.followUp ? Math.round(Math.min(1000, budget * 0.1)) : 0;
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

  /** Time left for the run's calls: the margin and the hand-over's time are kept back. */
  private timeLeft(): number {
    return this.deps.remainingMs() - this.marginMs - this.handOverReserveMs;
  }

  /** Time left for starting or stopping: what verification needs is kept back. */
  private timeToAct(): number {
    return this.timeLeft() - this.verifyReserveMs;
  }

  /** Records an instance's outcome; every instance is logged once, when the run ends. */
  private log(result: InstanceResult): void {
    this.results.set(result.instanceId, result);
  }

  /** Runs the schedule; whatever happens, every instance reached has its line, and the summary is written. */
  async execute(): Promise<RunSummary> {
    let outcome: Partial<RunSummary>;
    try {
      outcome = await this.work();
    } catch (err) {
      // A fault nothing else handled: what is still waiting fails with it, and the run reports.
      const error = describeError(err);
      this.failAll(
        this.queue.flatMap((b) => b.ids),
        error.errorCode,
        error.message,
      );
      this.queue = [];
      this.deps.logger.error('run failed', {
        schedule: this.event.schedule,
        ...logAttributes(error),
      });
      outcome = { error };
    }
    return this.summary(outcome);
  }

  private async work(): Promise<Partial<RunSummary>> {
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
        return { skipDate: today };
      }
    }
    const notAfter = this.notAfter(firedAt);

    const carried = event.followUp?.instances;
    const outcome: { listingFailed?: RunSummary['listingFailed'] } = {};
    // Whether a later run must list again: the listing was cut short here, or before.
    let relist: boolean;
    if (carried) {
      // The previous run listed these and could not reach them: they are looked at again (by id)
      // before anything is done to them, not listed again.
      relist = event.followUp?.relist ?? false;
      this.found = carried.plain.length + carried.hibernate.length;
      this.queue = [
        ...batchesOf(carried.hibernate, true, true),
        ...batchesOf(carried.plain, false, true),
      ];
    } else {
      const listing = await this.describe();
      relist = listing.cutShort;
      if (relist) {
        // The deadline came while listing: act on what was listed, and let a follow-up run
        // list again (instances started or stopped here no longer match its filter).
        this.deps.logger.warn('deadline reached while listing instances', {
          schedule: event.schedule,
          listed: listing.instances.length,
        });
      }
      if (listing.error) {
        outcome.listingFailed = listing.error;
        this.deps.logger.error('listing instances failed; instances not listed are not reached', {
          schedule: event.schedule,
          listed: listing.instances.length,
          ...logAttributes(listing.error),
        });
      }
      this.queue = this.plan(listing.instances);
    }
    if (this.clock.now() >= notAfter.getTime()) {
      this.failAll(
        this.queue.flatMap((b) => b.ids),
        'WindowClosed',
        this.windowMessage(notAfter),
      );
      this.queue = [];
      return { ...outcome, ...(relist ? { notListed: true } : {}) };
    }
    const left = event.dryRun ? this.dryRun() : await this.act(notAfter);
    if (!event.dryRun) await this.verify();
    return { ...outcome, ...(await this.handOver(left, relist, notAfter, problemsOf(outcome))) };
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
   * The tagged instances in the state this action applies to: all of them, or the pages listed
   * before the deadline (cutShort), or before a call failed after the SDK's retries (error).
   */
  private async describe(): Promise<{
    instances: Instance[];
    cutShort: boolean;
    error?: { errorCode: string; message: string };
  }> {
    const instances: Instance[] = [];
    // Before each page, the first included: is there time for it?
    if (this.callEstimateMs > this.timeLeft()) return { instances, cutShort: true };
    const pages = listInstances({
      ec2: this.deps.ec2,
      tagKey: this.event.tagKey,
      schedule: this.event.schedule,
      states: [this.state()],
      call: (fn) => this.call(fn),
    });
    let cutShort = false;
    let error: { errorCode: string; message: string } | undefined;
    try {
      for await (const page of pages) {
        instances.push(...page);
        if (this.callEstimateMs > this.timeLeft()) {
          cutShort = true;
          break;
        }
      }
    } catch (err) {
      // The deadline cut a page off: a follow-up lists again. Any other fault ends the listing.
      if (isAbort(err)) cutShort = true;
      else error = describeError(err);
    }
    this.found = instances.length;
    return { instances, cutShort, ...(error ? { error } : {}) };
  }

  /** The state this action applies to. */
  private state(): string {
    return this.event.action === 'start' ? 'stopped' : 'running';
  }

  /** Applies the skip rules and groups the rest into batches of at most 1,000 ids. */
  private plan(instances: Instance[]): Batch[] {
    const stop = this.event.action === 'stop';
    const plain: string[] = [];
    const hibernate: string[] = [];
    for (const instance of instances) {
      const instanceId = instance.InstanceId as string;
      this.placement.set(instanceId, {
        type: instance.InstanceType,
        zone: instance.Placement?.AvailabilityZone,
      });
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

  private dryRun(): Batch[] {
    const outcome = this.event.action === 'start' ? 'started' : 'stopped';
    const batches = this.queue;
    this.queue = [];
    for (const batch of batches) {
      for (const instanceId of batch.ids) {
        this.log({ instanceId, outcome, ...(batch.hibernate ? { hibernated: true } : {}) });
      }
    }
    return [];
  }

  /** Sends the queued batches; returns what the deadline left unreached. */
  private async act(notAfter: Date): Promise<Batch[]> {
    const queue = this.queue;
    while (queue.length > 0) {
      const batch = queue.shift() as Batch;
      if (batch.carried) {
        if (!(await this.lookAgain(batch))) return queue.splice(0);
        continue;
      }
      const { size, waitMs, probe } = this.pacer.plan(
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
        const rest = [...ids, ...queue.splice(0).flatMap((b) => b.ids)];
        this.failAll(rest, 'WindowClosed', this.windowMessage(notAfter));
        return [];
      }
      // The audit tag that follows is best effort: only the start or stop call must fit.
      if (waitMs + this.callEstimateMs > this.timeToAct()) {
        queue.unshift({ ...batch, ids });
        return queue.splice(0);
      }
      if (waitMs > 0) await this.clock.sleep(waitMs);
      const outcome = await this.send(ids, batch, probe);
      if (outcome === 'done') continue;
      if (outcome === 'throttled') {
        queue.unshift({ ...batch, ids });
      } else if (outcome === 'aborted') {
        // The call ran into the deadline: EC2 may or may not have acted; acting again is safe.
        return [{ ...batch, ids }, ...queue.splice(0)];
      } else {
        // One bad instance (or a few) failed the call: set apart what the error names, or halve.
        const { settle, resend } = isolate(outcome, ids, (id) => this.placement.get(id));
        queue.unshift(...resend.map((ids) => ({ ...batch, ids })));
        for (const instanceId of settle) this.settle(outcome, instanceId, batch);
      }
    }
    return [];
  }

  /**
   * Looks again at carried instances before acting on them: those no longer tagged for this
   * schedule or no longer in the state the action applies to are left alone, and the skip rules
   * apply again (an instance may have joined an Auto Scaling group). Looks at about what the
   * next calls will send. Returns false when the deadline leaves no time to look and act.
   */
  private async lookAgain(batch: Batch): Promise<boolean> {
    const queue = this.queue;
    if (2 * this.callEstimateMs > this.timeToAct()) {
      queue.unshift(batch);
      return false;
    }
    const { size } = this.pacer.plan(batch.ids.length, this.clock.now());
    const head = batch.ids.slice(0, Math.max(size, LOOK_AGAIN_CHUNK));
    if (head.length < batch.ids.length)
      queue.unshift({ ...batch, ids: batch.ids.slice(head.length) });
    let looked: Awaited<ReturnType<typeof describeStillMatching>>;
    try {
      looked = await describeStillMatching({
        ec2: this.deps.ec2,
        tagKey: this.event.tagKey,
        schedule: this.event.schedule,
        states: [this.state()],
        ids: head,
        call: (fn) => this.call(fn),
        // Another look only when there is time to spare for acting on what it finds.
        haveTime: () => 3 * this.callEstimateMs <= this.timeToAct(),
      });
    } catch (err) {
      if (isAbort(err)) {
        queue.unshift({ ...batch, ids: head });
        return false;
      }
      const { errorCode: code, message } = describeError(err);
      this.failAll(head, code, `could not look at the instance again before acting: ${message}`);
      return true;
    }
    const reason = `no longer tagged ${this.event.tagKey}=${this.event.schedule} and ${this.state()}`;
    for (const instanceId of looked.gone) this.log({ instanceId, outcome: 'skipped', reason });
    if (looked.notLooked.length > 0) queue.unshift({ ...batch, ids: looked.notLooked });
    queue.unshift(...this.plan(looked.matching));
    return true;
  }

  /** Settles one instance a call failed for. */
  private settle(err: unknown, instanceId: string, batch: Batch): void {
    const code = errorCode(err);
    const message = (err as Error).message ?? String(err);
    if (batch.hibernate && code === 'UnsupportedHibernationConfiguration') {
      this.queue.unshift({ ids: [instanceId], hibernate: false, fallback: true });
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
    probe = false,
  ): Promise<'done' | 'throttled' | 'aborted' | unknown> {
    const start = this.event.action === 'start';
    let attempts: number;
    try {
      const output = await this.call((httpOptions) =>
        start
          ? this.actions.send(new StartInstancesCommand({ InstanceIds: ids }), httpOptions)
          : this.actions.send(
              new StopInstancesCommand({
                InstanceIds: ids,
                ...(batch.hibernate ? { Hibernate: true } : {}),
              }),
              httpOptions,
            ),
      );
      attempts = output.$metadata?.attempts ?? 1;
    } catch (err) {
      const at = this.clock.now();
      if (isThrottle(err)) {
        this.throttledCalls++;
        this.pacer.throttled(ids.length, at, probe);
        this.deps.logger.warn('throttled by EC2; shrinking the batch', {
          schedule: this.event.schedule,
          batch: ids.length,
          nextBatchCap: this.pacer.batchCap,
        });
        return 'throttled';
      }
      // Every attempt the SDK made may have cost EC2's tokens.
      this.pacer.failed(
        ids.length,
        at,
        (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1,
        probe,
      );
      if (isAbort(err)) return 'aborted';
      return err;
    }
    const at = this.clock.now();
    this.pacer.succeeded(ids.length, at, attempts, probe);
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
   * Counts the call, bounds it by the run's deadline (and its request timeout by the time left),
   * and keeps a running estimate of how long calls take.
   */
  private async call<T>(fn: (options: HttpHandlerOptions) => Promise<T>): Promise<T> {
    const t0 = this.clock.now();
    this.apiCalls++;
    try {
      return await fn(callOptions(this.timeLeft()));
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
    if (result.fault) {
      this.deps.logger.warn(
        'verification stopped; the instances not yet seen running stay unverified',
        {
          schedule: this.event.schedule,
          ...logAttributes(result.fault),
        },
      );
    }
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
    const reason = result.fault
      ? `not verified: DescribeInstances failed (${result.fault.errorCode}): ${result.fault.message}`
      : result.polls === 0
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
    problems: string[],
  ): Promise<Partial<RunSummary>> {
    const ids = left.flatMap((b) => b.ids);
    if (ids.length === 0 && !relist) return {};
    const attempt = (this.event.followUp?.attempt ?? 0) + 1;
    const now = this.clock.now();
    const giveUp = (code: string, message: string, failed: boolean): Partial<RunSummary> => {
      this.failAll(ids, code, message);
      // Instances never listed have no line of their own: the summary says so.
      this.deps.logger.error('work left for a follow-up run that will not come', {
        schedule: this.event.schedule,
        errorCode: code,
        errorMessage: message,
        instances: ids.length,
        notListed: relist,
      });
      return {
        ...(failed ? { handOverFailed: { errorCode: code, message } } : {}),
        ...(relist ? { notListed: true } : {}),
      };
    };
    if (now >= notAfter.getTime() || attempt > MAX_FOLLOW_UPS) {
      return giveUp('WindowClosed', this.windowMessage(notAfter), false);
    }
    // Runs that reach no instance (each run's time too short for EC2's answers) end the chain.
    const reached = [...this.results.values()].some((r) => r.outcome !== 'deferred');
    const stalled = reached ? 0 : (this.event.followUp?.stalled ?? 0) + 1;
    if (stalled >= MAX_STALLED_RUNS) {
      const message = `${stalled} runs in a row reached no instance: each had too little time for EC2's answers (about ${Math.round(this.callEstimateMs)} ms a call); give the functions a longer timeout`;
      return giveUp('Stalled', message, false);
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
    const own = [...this.results.values()]
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({ instanceId: r.instanceId, errorCode: r.errorCode ?? 'Error' }));
    const failures = addFailures(this.event.followUp?.failures, own.length, own, problems);
    const next: SchedulerEvent = {
      ...this.event,
      followUp: {
        attempt,
        notAfter: notAfter.toISOString(),
        buckets: this.pacer.snapshot(now),
        ...carry,
        ...(failures ? { failures } : {}),
        ...(stalled > 0 ? { stalled } : {}),
      },
    };
    if (!this.deps.followUp) {
      return giveUp('NoFollowUp', 'the deadline came and no follow-up run can be queued', true);
    }
    try {
      await this.deps.followUp(next);
    } catch (err) {
      const { errorCode: code, message } = describeError(err);
      return giveUp(
        'FollowUpFailed',
        `could not queue the follow-up run: ${code}: ${message}`,
        true,
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
      ...(this.event.followUp?.failures ? { earlierFailures: this.event.followUp.failures } : {}),
      apiCalls: this.apiCalls,
      throttledCalls: this.throttledCalls,
      durationMs: this.clock.now() - this.started,
      ...extra,
    };
    this.deps.logger.info('summary', { ...summary });
    try {
      if (!this.event.dryRun) this.deps.metrics?.publish(summary);
    } catch (err) {
      this.deps.logger.error('metrics not published', {
        schedule: summary.schedule,
        ...logAttributes(describeError(err)),
      });
    }
    return summary;
  }
}
