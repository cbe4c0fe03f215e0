/**
 * An in-memory EC2 behind aws-sdk-client-mock, with a virtual clock, for the handler's unit
 * tests. It models what the run depends on: tag and state filters with pagination, whole-call
 * failures, EC2's token buckets for StartInstances/StopInstances, CreateTags, and starts that do
 * not reach `running` (stay pending, or go back to `stopped` with a state reason).
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeInstancesCommandInput,
  EC2Client,
  EC2ServiceException,
  Instance,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock, RunDeps, RunLogger } from '../../lambda/run';
import type { Ec2Limits } from '../../lambda/pacer';
import type { SchedulerEvent } from '../../lib/schedule-input';

export interface FakeInstance {
  id: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped';
  tags: Record<string, string>;
  lifecycle?: 'spot';
  rootDeviceType?: 'ebs' | 'instance-store';
  hibernation?: boolean;
  /** What DescribeInstances says of hibernation, when it differs from what EC2 accepts. */
  describedHibernation?: boolean;
  /** EC2's StateReason: why the instance last changed state. */
  stateReason?: StateReason;
  /** @default 't3.micro' */
  instanceType?: string;
  /** @default 'us-east-1a' */
  availabilityZone?: string;
  /**
   * What a start leads to: `running` at once (the default); `pending` for good; or `bounce`:
   * pending for `bounceAfterMs`, then back to `stopped` with `bounceReason`, as EC2 does when
   * it cannot use the KMS key of an encrypted EBS volume.
   */
  afterStart?: 'running' | 'pending' | 'bounce';
  /** @default CLIENT_INTERNAL_ERROR */
  bounceReason?: StateReason;
  /** @default 3000 */
  bounceAfterMs?: number;
  /** Set by a bouncing start: when the instance goes back to stopped. */
  bounceAt?: number;
}

export interface StateReason {
  code: string;
  message: string;
}

/** The state reason EC2 gives an instance whose start failed for want of a KMS grant. */
export const CLIENT_INTERNAL_ERROR: StateReason = {
  code: 'Client.InternalError',
  message: 'Client.InternalError: Client error on launch',
};

/** The state reason of an instance stopped through the API. */
export const USER_INITIATED_SHUTDOWN: StateReason = {
  code: 'Client.UserInitiatedShutdown',
  message: 'Client.UserInitiatedShutdown: User initiated shutdown',
};

/** HTTP status EC2 answers an error code with: 503 throttling/unavailable, 500 server errors. */
function statusOf(code: string): number {
  if (code === 'RequestLimitExceeded' || code === 'Unavailable') return 503;
  if (code === 'InternalError' || code.startsWith('Insufficient')) return 500;
  return 400;
}

export function ec2Error(code: string, message = code): EC2ServiceException {
  const status = statusOf(code);
  return Object.assign(
    new EC2ServiceException({
      name: code,
      $fault: status >= 500 ? 'server' : 'client',
      message,
      $metadata: { httpStatusCode: status },
    }),
    { Code: code },
  );
}

/** EC2's message for a failed start or stop, naming what EC2 names (the id, or type and zone). */
function faultMessage(code: string, instance: FakeInstance): string {
  switch (code) {
    case 'InsufficientInstanceCapacity': {
      const type = instance.instanceType ?? 't3.micro';
      return `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${instance.availabilityZone ?? 'us-east-1a'}). Our system will be working on provisioning additional capacity.`;
    }
    case 'IncorrectInstanceState':
      return `The instance '${instance.id}' is not in a state from which it can be started.`;
    default:
      return `${code} for ${instance.id}`;
  }
}

export function instanceId(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

/** A virtual clock: sleeping advances it instantly. */
export class VirtualClock implements Clock {
  constructor(public at = Date.parse('2026-11-30T13:00:00Z')) {}
  now(): number {
    return this.at;
  }
  async sleep(ms: number): Promise<void> {
    this.at += ms;
  }
}

class Bucket {
  constructor(
    public tokens: number,
    private readonly capacity: number,
    private readonly refill: number,
    private at: number,
  ) {}
  take(n: number, now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.refill);
    this.at = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

export interface CallRecord {
  action: 'DescribeInstances' | 'StartInstances' | 'StopInstances' | 'CreateTags';
  /** Instance ids of a start, stop or CreateTags call. */
  ids: string[];
  hibernate?: boolean;
  /** CreateTags: the tags written. */
  tags?: { Key?: string; Value?: string }[];
  /** DescribeInstances: the instance-state-name filter values. */
  states?: string[];
  at: number;
  error?: string;
}

export class FakeEc2 {
  readonly mock = mockClient(EC2Client);
  readonly instances = new Map<string, FakeInstance>();
  readonly calls: CallRecord[] = [];
  /** Calls in flight at once, at most. */
  maxConcurrent = 0;
  /** Ids whose presence fails a whole start/stop call with this code. */
  readonly failing = new Map<string, string>();
  /** Ids whose presence fails a whole CreateTags call with this code. */
  readonly tagFailing = new Map<string, string>();
  /** When set, every CreateTags call fails with this code (e.g. UnauthorizedOperation). */
  tagError: string | undefined;
  /**
   * Whether a start or stop call that fails (for a reason other than throttling) keeps the tokens
   * it took. EC2 does not document it; false gives them back.
   */
  chargesFailedCalls = false;
  /** DescribeInstances faults: after `after` good calls, the next `times` fail with `code`. */
  describeFault: { code: string; after: number; times: number } | undefined;
  private buckets = new Map<string, { request: Bucket; resource: Bucket }>();
  private inFlight = 0;

  constructor(
    readonly clock: VirtualClock,
    limits?: Ec2Limits,
    /** Virtual milliseconds each call takes. */
    readonly latencyMs = 20,
  ) {
    if (limits) this.setLimits(limits);
    this.mock.on(DescribeInstancesCommand).callsFake((input) => this.describe(input));
    this.mock
      .on(StartInstancesCommand)
      .callsFake((input) => this.act('StartInstances', input.InstanceIds ?? [], false));
    this.mock
      .on(StopInstancesCommand)
      .callsFake((input) => this.act('StopInstances', input.InstanceIds ?? [], !!input.Hibernate));
    this.mock
      .on(CreateTagsCommand)
      .callsFake((input) => this.createTags(input.Resources ?? [], input.Tags ?? []));
  }

  setLimits(limits: Ec2Limits, level?: { start?: number; stop?: number }): void {
    const now = this.clock.now();
    for (const action of ['start', 'stop'] as const) {
      const l = limits[action];
      this.buckets.set(action, {
        request: new Bucket(l.request.capacity, l.request.capacity, l.request.refillPerSecond, now),
        resource: new Bucket(
          level?.[action] ?? l.resource.capacity,
          l.resource.capacity,
          l.resource.refillPerSecond,
          now,
        ),
      });
    }
  }

  add(count: number, init: Partial<FakeInstance> = {}, first = this.instances.size + 1): string[] {
    const ids: string[] = [];
    for (let n = first; n < first + count; n++) {
      const id = instanceId(n);
      // Each instance gets its own tags, so CreateTags on one does not tag the others.
      const tags = { ...(init.tags ?? { Schedule: 'office-hours' }) };
      this.instances.set(id, { id, state: 'stopped', ...init, tags });
      ids.push(id);
    }
    return ids;
  }

  count(state: FakeInstance['state']): number {
    return [...this.instances.values()].filter((i) => i.state === state).length;
  }

  /** StartInstances and StopInstances calls. */
  actionCalls(): CallRecord[] {
    return this.calls.filter((c) => c.action === 'StartInstances' || c.action === 'StopInstances');
  }

  /** CreateTags calls. */
  tagCalls(): CallRecord[] {
    return this.calls.filter((c) => c.action === 'CreateTags');
  }

  /** DescribeInstances calls. */
  describeCalls(): CallRecord[] {
    return this.calls.filter((c) => c.action === 'DescribeInstances');
  }

  restore(): void {
    this.mock.restore();
  }

  private async enter(): Promise<void> {
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.clock.at += this.latencyMs;
  }

  private async describe(input: DescribeInstancesCommandInput) {
    await this.enter();
    try {
      const filters = input.Filters ?? [];
      const record: CallRecord = {
        action: 'DescribeInstances',
        ids: filters.find((f) => f.Name === 'instance-id')?.Values ?? [],
        states: filters.find((f) => f.Name === 'instance-state-name')?.Values,
        at: this.clock.now(),
      };
      this.calls.push(record);
      const fault = this.describeFault;
      if (fault && fault.after-- <= 0 && fault.times-- > 0) {
        record.error = fault.code;
        throw ec2Error(fault.code, `${fault.code} (injected)`);
      }
      if (filters.reduce((n, f) => n + (f.Values?.length ?? 0), 0) > 200) {
        throw ec2Error(
          'FilterLimitExceeded',
          'The maximum number of filter values specified on a single call is 200',
        );
      }
      this.settle();
      const matches = [...this.instances.values()].filter((i) =>
        filters.every((f) => {
          if (f.Name === 'instance-state-name') return f.Values?.includes(i.state);
          if (f.Name === 'instance-id') return f.Values?.includes(i.id);
          if (f.Name?.startsWith('tag:')) return f.Values?.includes(i.tags[f.Name.slice(4)]);
          throw new Error(`fake EC2 does not know filter ${f.Name}`);
        }),
      );
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const size = input.MaxResults ?? 1000;
      const page = matches.slice(start, start + size);
      const instances: Instance[] = page.map((i) => ({
        InstanceId: i.id,
        State: { Name: i.state },
        Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
        InstanceLifecycle: i.lifecycle,
        InstanceType: (i.instanceType ?? 't3.micro') as Instance['InstanceType'],
        Placement: { AvailabilityZone: i.availabilityZone ?? 'us-east-1a' },
        RootDeviceType: i.rootDeviceType ?? 'ebs',
        HibernationOptions: { Configured: i.describedHibernation ?? !!i.hibernation },
        ...(i.stateReason
          ? { StateReason: { Code: i.stateReason.code, Message: i.stateReason.message } }
          : {}),
      }));
      return {
        Reservations: [{ Instances: instances }],
        NextToken: start + size < matches.length ? String(start + size) : undefined,
      };
    } finally {
      this.inFlight--;
    }
  }

  /** Bouncing starts whose time has come go back to stopped. */
  private settle(): void {
    const now = this.clock.now();
    for (const instance of this.instances.values()) {
      if (instance.bounceAt !== undefined && now >= instance.bounceAt) {
        instance.state = 'stopped';
        instance.stateReason = instance.bounceReason ?? CLIENT_INTERNAL_ERROR;
        instance.bounceAt = undefined;
      }
    }
  }

  private async createTags(ids: string[], tags: { Key?: string; Value?: string }[]) {
    await this.enter();
    const record: CallRecord = { action: 'CreateTags', ids, tags, at: this.clock.now() };
    this.calls.push(record);
    try {
      const code = this.tagError ?? ids.map((id) => this.tagFailing.get(id)).find(Boolean);
      if (code) throw ec2Error(code, `${code} for CreateTags`);
      for (const id of ids) {
        const instance = this.instances.get(id);
        if (!instance)
          throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      }
      for (const id of ids) {
        const instance = this.instances.get(id) as FakeInstance;
        for (const tag of tags) {
          if (tag.Key !== undefined) instance.tags[tag.Key] = tag.Value ?? '';
        }
      }
      return {};
    } catch (err) {
      record.error = (err as Error).name;
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  private async act(action: 'StartInstances' | 'StopInstances', ids: string[], hibernate: boolean) {
    await this.enter();
    const record: CallRecord = { action, ids, hibernate, at: this.clock.now() };
    this.calls.push(record);
    try {
      const bucket = this.buckets.get(action === 'StartInstances' ? 'start' : 'stop');
      if (bucket) {
        const now = this.clock.now();
        if (!bucket.request.take(1, now)) throw ec2Error('RequestLimitExceeded');
        if (!bucket.resource.take(ids.length, now)) {
          bucket.request.take(-1, now);
          throw ec2Error('RequestLimitExceeded');
        }
        // A failed call acts on nothing; give its tokens back below.
        try {
          return this.apply(action, ids, hibernate);
        } catch (err) {
          if (!this.chargesFailedCalls) bucket.resource.take(-ids.length, now);
          throw err;
        }
      }
      return this.apply(action, ids, hibernate);
    } catch (err) {
      record.error = (err as Error).name;
      throw err;
    } finally {
      this.inFlight--;
    }
  }

  private apply(action: 'StartInstances' | 'StopInstances', ids: string[], hibernate: boolean) {
    for (const id of ids) {
      const code = this.failing.get(id);
      const known = this.instances.get(id);
      if (code) throw ec2Error(code, known ? faultMessage(code, known) : `${code} for ${id}`);
      const instance = known;
      if (!instance)
        throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      if (hibernate && !instance.hibernation) {
        throw ec2Error(
          'UnsupportedHibernationConfiguration',
          `${id} is not configured for hibernation`,
        );
      }
    }
    const items = ids.map((id) => {
      const instance = this.instances.get(id) as FakeInstance;
      const previous = instance.state;
      if (action === 'StartInstances' && previous === 'stopped') {
        instance.stateReason = undefined;
        const after = instance.afterStart ?? 'running';
        instance.state = after === 'running' ? 'running' : 'pending';
        if (after === 'bounce')
          instance.bounceAt = this.clock.now() + (instance.bounceAfterMs ?? 3000);
      }
      if (action === 'StopInstances' && previous === 'running') {
        instance.state = 'stopped';
        instance.stateReason = USER_INITIATED_SHUTDOWN;
      }
      return {
        InstanceId: id,
        PreviousState: { Name: previous },
        CurrentState: { Name: instance.state },
      };
    });
    return action === 'StartInstances'
      ? { StartingInstances: items }
      : { StoppingInstances: items };
  }
}

/** Lambda's longest timeout, the construct's default. */
export const FIFTEEN_MINUTES = 15 * 60_000;

/** What the construct puts in a start schedule's input by default: audit tags and verification. */
export const WITH_OPERATIONS = { auditTags: true, verifyTimeoutSeconds: 180 } as const;

/** Limits large enough that nothing is throttled: shows batching alone. */
export const UNLIMITED: Ec2Limits = {
  start: {
    request: { capacity: 1e6, refillPerSecond: 1e6 },
    resource: { capacity: 1e6, refillPerSecond: 1e6 },
  },
  stop: {
    request: { capacity: 1e6, refillPerSecond: 1e6 },
    resource: { capacity: 1e6, refillPerSecond: 1e6 },
  },
};

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes?: Record<string, unknown>;
}

export function captureLogger(): RunLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (message, attributes) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => lines.push({ level: 'error', message, attributes }),
  };
}

export interface TestDeps extends RunDeps {
  readonly followUps: SchedulerEvent[];
  readonly logger: RunLogger & { lines: LogLine[] };
}

/** Deps for one run with `budgetMs` of function time on the fake's clock. */
export function depsFor(fake: FakeEc2, budgetMs: number, limits?: Ec2Limits): TestDeps {
  const deadline = fake.clock.now() + budgetMs;
  const followUps: SchedulerEvent[] = [];
  return {
    ec2: new EC2Client({ region: 'us-east-1' }),
    logger: captureLogger(),
    remainingMs: () => deadline - fake.clock.now(),
    clock: fake.clock,
    limits,
    followUps,
    followUp: async (event) => {
      followUps.push(event);
    },
  };
}

export function officeHoursEvent(overrides: Partial<SchedulerEvent> = {}): SchedulerEvent {
  return {
    version: 1,
    action: 'start',
    schedule: 'office-hours',
    tagKey: 'Schedule',
    timeZone: 'America/New_York',
    skipDates: [],
    hibernate: false,
    dryRun: false,
    opposites: ['cron(0 17 ? * MON-FRI *)'],
    scheduledTime: '2026-11-30T13:00:00.000Z',
    ...overrides,
  };
}
