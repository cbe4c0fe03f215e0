/**
 * The EC2 model in process, for the handler's unit tests: `aws-sdk-client-mock` answers every
 * `EC2Client` with the model, on a virtual clock that each call advances by `latencyMs` (and that
 * the handler's sleeps advance at once). Calls are recorded as the model took them.
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  StartInstancesCommand,
  StopInstancesCommand,
  type CreateTagsCommandInput,
  type DescribeInstancesCommandInput,
  type Instance,
  type StopInstancesCommandInput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type * as api from './api';
import { scheduleRateLimits, type ScheduleLimits } from './buckets';
import { Ec2Error } from './errors';
import { FaultRules, type FaultRule } from './faults';
import {
  INSTANCE_STATE_CODES,
  makeInstances,
  type InstanceStateName,
  type MakeInstancesOptions,
  type ModelInstance,
} from './instances';
import { Ec2Model } from './model';

/** A virtual clock: sleeping advances it instantly. */
export class VirtualClock {
  constructor(public at = Date.parse('2026-11-30T13:00:00Z')) {}
  now(): number {
    return this.at;
  }
  async sleep(ms: number): Promise<void> {
    this.at += ms;
  }
}

export interface CallRecord {
  readonly action: api.Ec2Action;
  /** Instance ids of a start, stop or CreateTags call; a describe's `instance-id` filter values. */
  readonly ids: readonly string[];
  readonly hibernate?: boolean;
  /** CreateTags: the tags written. */
  readonly tags?: readonly { Key?: string; Value?: string }[];
  /** DescribeInstances: the instance-state-name filter values. */
  readonly states?: readonly string[];
  /** On the virtual clock, after the call's latency. */
  readonly at: number;
  /** The EC2 error code the call failed with. */
  error?: string;
}

/** What an injected whole-call fault answers: an EC2 error. */
export interface InjectedError {
  readonly code: string;
  readonly message?: string;
}

export class InProcessEc2 extends Ec2Model {
  readonly mock = mockClient(EC2Client);
  readonly calls: CallRecord[] = [];
  /** Calls in flight at once, at most. */
  maxConcurrent = 0;
  private inFlight = 0;
  private readonly rules = new FaultRules<api.Ec2Request, InjectedError>();

  constructor(
    readonly clock: VirtualClock,
    /** Limits on starts and stops; default none. */
    limits?: ScheduleLimits,
    /** Virtual milliseconds each call takes. */
    readonly latencyMs = 20,
  ) {
    super(() => clock.now());
    if (limits) this.setLimits(limits);
    // The unit tests' EC2 gives the tokens of a failed call back (see chargeFailedCalls).
    this.chargeFailedCalls = false;
    this.mock.on(DescribeInstancesCommand).callsFake((input) => this.onDescribe(input));
    this.mock.on(StartInstancesCommand).callsFake((input) => this.onChangeState(input, false));
    this.mock.on(StopInstancesCommand).callsFake((input) => this.onChangeState(input, true));
    this.mock.on(CreateTagsCommand).callsFake((input) => this.onCreateTags(input));
  }

  /** The handler's limits for starts and stops (other calls are not limited); `levels`: instance tokens left. */
  setLimits(limits: ScheduleLimits, levels?: { start?: number; stop?: number }): void {
    this.setRateLimits(scheduleRateLimits(limits, levels));
  }

  /** `count` instances, stopped and tagged Schedule=office-hours unless `options` say otherwise. */
  add(count: number, options: MakeInstancesOptions = {}, first = this.size + 1): string[] {
    const list = makeInstances(count, {
      state: 'stopped',
      tags: { Schedule: 'office-hours' },
      firstIndex: first,
      ...options,
    });
    this.addInstances(list);
    return list.map((i) => i.instanceId);
  }

  count(state: InstanceStateName): number {
    return this.instances().filter((i) => i.state === state).length;
  }

  /** Whole calls (of an action, matching `when`) fail with an EC2 error, before the rate limits. */
  injectFault(
    rule: FaultRule<api.Ec2Request, InjectedError> & { readonly action?: api.Ec2Action },
  ): void {
    this.rules.add(rule);
  }

  override clearFaults(id?: string): void {
    super.clearFaults(id);
    if (id === undefined) this.rules.clear();
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

  private async onDescribe(input: DescribeInstancesCommandInput) {
    const filters = input.Filters ?? [];
    const request: api.DescribeRequest = {
      action: 'DescribeInstances',
      instanceIds: input.InstanceIds ?? [],
      filters: filters.map((f) => ({ name: f.Name ?? '', values: f.Values ?? [] })),
      ...(input.MaxResults !== undefined ? { maxResults: input.MaxResults } : {}),
      ...(input.NextToken ? { nextToken: input.NextToken } : {}),
    };
    const record = {
      action: request.action,
      ids: filters.find((f) => f.Name === 'instance-id')?.Values ?? [],
      states: filters.find((f) => f.Name === 'instance-state-name')?.Values,
    };
    return describeOutput((await this.serve(request, record)) as api.DescribeResponse);
  }

  private async onChangeState(input: StopInstancesCommandInput, stop: boolean) {
    const ids = input.InstanceIds ?? [];
    const hibernate = stop && !!input.Hibernate;
    const action = stop ? 'StopInstances' : 'StartInstances';
    const request: api.StateChangeRequest = { action, instanceIds: ids, hibernate };
    const response = await this.serve(request, { action, ids, hibernate });
    return stateChangeOutput(response as api.StateChangeResponse);
  }

  private async onCreateTags(input: CreateTagsCommandInput) {
    const ids = input.Resources ?? [];
    const tags = input.Tags ?? [];
    const pairs = tags.flatMap((t) =>
      t.Key === undefined ? [] : [{ key: t.Key, value: t.Value ?? '' }],
    );
    const request: api.CreateTagsRequest = { action: 'CreateTags', resourceIds: ids, tags: pairs };
    await this.serve(request, { action: request.action, ids, tags });
    return {};
  }

  /** One call: its latency on the virtual clock, its record, injected faults, then the model. */
  private async serve(
    request: api.Ec2Request,
    record: Omit<CallRecord, 'at'>,
  ): Promise<api.Ec2Response> {
    this.inFlight++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      this.clock.at += this.latencyMs;
      const recorded: CallRecord = { ...record, at: this.clock.now() };
      this.calls.push(recorded);
      try {
        const fault = this.rules.take(request.action, request);
        if (fault) throw new Ec2Error(fault.code, fault.message ?? `${fault.code} (injected)`);
        return this.call(request);
      } catch (err) {
        if (!(err instanceof Ec2Error)) throw err;
        recorded.error = err.code;
        throw sdkError(err);
      }
    } finally {
      this.inFlight--;
    }
  }
}

/** The error as the SDK throws it for EC2's answer. */
function sdkError(err: Ec2Error): EC2ServiceException {
  return Object.assign(
    new EC2ServiceException({
      name: err.code,
      $fault: err.status >= 500 ? 'server' : 'client',
      message: err.message,
      $metadata: { httpStatusCode: err.status },
    }),
    { Code: err.code },
  );
}

const stateOf = (name: InstanceStateName) => ({ Code: INSTANCE_STATE_CODES[name], Name: name });

/** DescribeInstances' output, as the SDK reads it from EC2's XML: one reservation per instance. */
function describeOutput(response: api.DescribeResponse) {
  return {
    Reservations: response.instances.map((i) => ({
      ReservationId: `r-${i.instanceId.slice(2)}`,
      Instances: [sdkInstance(i)],
    })),
    NextToken: response.nextToken,
  };
}

function sdkInstance(i: Readonly<ModelInstance>): Instance {
  const tags = Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value }));
  return {
    InstanceId: i.instanceId,
    State: stateOf(i.state),
    ...(tags.length > 0 ? { Tags: tags } : {}),
    InstanceLifecycle: i.lifecycle,
    InstanceType: i.instanceType as Instance['InstanceType'],
    Placement: { AvailabilityZone: i.availabilityZone },
    RootDeviceType: i.rootDeviceType,
    PlatformDetails: i.platformDetails,
    // EC2 sends `windows`; the SDK's type says `Windows` but passes the wire value through.
    ...(i.platformDetails.startsWith('Windows')
      ? { Platform: 'windows' as Instance['Platform'] }
      : {}),
    HibernationOptions: { Configured: i.describedHibernation ?? i.hibernationConfigured },
    ...(i.stateReason
      ? { StateReason: { Code: i.stateReason.code, Message: i.stateReason.message } }
      : {}),
  };
}

function stateChangeOutput(response: api.StateChangeResponse) {
  const items = response.changes.map((c) => ({
    InstanceId: c.instanceId,
    CurrentState: stateOf(c.current),
    PreviousState: stateOf(c.previous),
  }));
  return response.action === 'StartInstances'
    ? { StartingInstances: items }
    : { StoppingInstances: items };
}
