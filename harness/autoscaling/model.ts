/**
 * The fake Auto Scaling service itself, over the EC2 model of `harness/ec2/`: groups whose
 * members are instances of that model (tagged `aws:autoscaling:groupName` and the tags that
 * propagate at launch, as the service tags them), launched (Pending, then InService and
 * `running`) and terminated (Terminating, then gone and `terminated`) `launchMs` and
 * `terminateMs` after the group's desired capacity changes, each launch and termination a scaling
 * activity (InProgress, then Successful; Failed with a StatusMessage when the group's launches
 * fail). Calls are admitted by `throttleNext`, `failNext` and an optional token bucket, as
 * the EC2 fake's are. A group looks at its capacity whenever the model is called or looked at.
 */
import { instanceIdFor, type Ec2Model } from '../ec2';
import { type BucketLimit, TokenBucket } from '../token-bucket';
import {
  type Activity,
  AutoScalingError,
  checkSizes,
  type GroupSpec,
  type GroupTag,
  type GroupWorld,
  groupNotFound,
  iso,
  type ModelGroup,
} from './groups';
import { reconcile } from './reconcile';

/** The calls the fake answers. */
export const AUTO_SCALING_ACTIONS = [
  'DescribeAutoScalingGroups',
  'UpdateAutoScalingGroup',
  'CreateOrUpdateTags',
  'DescribeTags',
  'DescribeScalingActivities',
] as const;
export type AutoScalingAction = (typeof AUTO_SCALING_ACTIONS)[number];

export function isAutoScalingAction(action: string): action is AutoScalingAction {
  return (AUTO_SCALING_ACTIONS as readonly string[]).includes(action);
}

/** What `UpdateAutoScalingGroup` may change. */
export interface SizeUpdate {
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly desiredCapacity?: number;
}

/** An injected error for the next calls of an action. */
interface Failure {
  readonly action?: string;
  readonly error: AutoScalingError;
  remaining: number;
}

export class AutoScalingModel implements GroupWorld {
  /** How long a launch stays Pending, in ms (settable; applies to later launches). */
  launchMs = 0;
  /** How long a termination stays Terminating, in ms. */
  terminateMs = 0;
  readonly groups = new Map<string, ModelGroup>();
  readonly activities: Activity[] = [];
  private nextInstance: number;
  private nextActivity = 1;
  private readonly failures: Failure[] = [];
  private bucket: TokenBucket | undefined;

  /**
   * @param ec2 the EC2 model the members live in
   * @param firstInstance numeric id of the first instance launched (distinct from a test's own)
   */
  constructor(
    readonly ec2: Ec2Model,
    protected readonly now: () => number,
    private readonly firstInstance = 0xa5c000,
    readonly account = '123456789012',
    readonly region = 'us-east-1',
  ) {
    this.nextInstance = firstInstance;
  }

  /** Adds a group with `desiredCapacity` members InService (and `running`) at once. */
  addGroup(spec: GroupSpec): void {
    if (this.groups.has(spec.name)) throw new Error(`duplicate group ${spec.name}`);
    const desired = spec.desiredCapacity ?? spec.minSize;
    checkSizes(spec.minSize, desired, spec.maxSize);
    const group: ModelGroup = {
      name: spec.name,
      arn:
        `arn:aws:autoscaling:${this.region}:${this.account}:autoScalingGroup:` +
        `00000000-0000-4000-8000-${this.groups.size.toString(16).padStart(12, '0')}:` +
        `autoScalingGroupName/${spec.name}`,
      createdAt: this.now(),
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desiredCapacity: desired,
      tags: new Map((spec.tags ?? []).map((t) => [t.key, t])),
      members: [],
      ...(spec.launchFailure !== undefined ? { launchFailure: spec.launchFailure } : {}),
    };
    this.groups.set(spec.name, group);
    for (let k = 0; k < desired; k++) {
      const instanceId = this.launch(group, 'running');
      group.members.push({ instanceId, lifecycle: 'InService', settleAt: 0 });
    }
  }

  /** A group (after it looked at its capacity), or undefined. */
  group(name: string): ModelGroup | undefined {
    this.settleDue();
    return this.groups.get(name);
  }

  /** The InService members of a group. */
  inService(name: string): string[] {
    const g = this.group(name);
    return g ? g.members.filter((m) => m.lifecycle === 'InService').map((m) => m.instanceId) : [];
  }

  /** Resizes a group out of band (a person in the console), with the service's checks. */
  resize(name: string, update: SizeUpdate): void {
    this.update(name, update);
  }

  /** The next `n` calls (of `action`, if given) answer `code` with `message`, changing nothing. */
  failNext(n: number, code: string, message: string, action?: AutoScalingAction): void {
    this.failures.push({ action, error: new AutoScalingError(code, message), remaining: n });
  }

  /** The next `n` calls (of `action`, if given) answer `Throttling: Rate exceeded`. */
  throttleNext(n: number, action?: AutoScalingAction): void {
    this.failNext(n, 'Throttling', 'Rate exceeded', action);
  }

  /**
   * One token bucket for every call (false: none). The service documents no figures for its
   * API's rate limits; a test chooses them.
   */
  setRateLimit(limit: BucketLimit | false): void {
    this.bucket = limit === false ? undefined : new TokenBucket(limit, this.now());
  }

  /** Admits a call: injected failures first, then the bucket. Throws {@link AutoScalingError}. */
  admit(action: AutoScalingAction): void {
    const failure = this.failures.find((f) => f.action === undefined || f.action === action);
    if (failure) {
      failure.remaining--;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      throw failure.error;
    }
    if (this.bucket) {
      const now = this.now();
      if (this.bucket.level(now) < 1) throw new AutoScalingError('Throttling', 'Rate exceeded');
      this.bucket.take(1, now);
    }
    this.settleDue();
  }

  /** `UpdateAutoScalingGroup`: a MinSize above the desired capacity raises it, as the service does. */
  update(name: string, update: SizeUpdate): void {
    const g = this.groups.get(name);
    if (!g) throw groupNotFound(name);
    const min = update.minSize ?? g.minSize;
    const max = update.maxSize ?? g.maxSize;
    let desired = update.desiredCapacity ?? g.desiredCapacity;
    if (update.desiredCapacity === undefined) desired = Math.min(Math.max(desired, min), max);
    checkSizes(min, desired, max);
    const before = g.desiredCapacity;
    Object.assign(g, { minSize: min, maxSize: max, desiredCapacity: desired });
    delete g.failedFor;
    const cause =
      `At ${iso(this.now())} a user request update of AutoScalingGroup constraints to min: ${min}, ` +
      `max: ${max}, desired: ${desired} changing the desired capacity from ${before} to ${desired}.`;
    reconcile(this, g, cause);
  }

  /** `CreateOrUpdateTags` on groups. */
  tag(tags: readonly (GroupTag & { readonly resourceId: string })[]): void {
    for (const t of tags) if (!this.groups.has(t.resourceId)) throw groupNotFound(t.resourceId);
    for (const { resourceId, ...t } of tags) this.groups.get(resourceId)?.tags.set(t.key, t);
  }

  /** Launches one instance for `group` in the EC2 model; its id. @internal */
  launch(group: ModelGroup, state: 'pending' | 'running'): string {
    const instanceId = instanceIdFor(this.nextInstance++);
    const propagated = [...group.tags.values()].filter((t) => t.propagateAtLaunch);
    this.ec2.addInstances([
      {
        instanceId,
        state,
        tags: {
          ...Object.fromEntries(propagated.map((t) => [t.key, t.value])),
          'aws:autoscaling:groupName': group.name,
        },
      },
    ]);
    return instanceId;
  }

  /** Records a new activity. @internal */
  startActivity(fields: Omit<Activity, 'activityId' | 'startTime' | 'progress'>): Activity {
    const activity: Activity = {
      activityId: `a1c0ffee-0000-4000-8000-${(this.nextActivity++).toString(16).padStart(12, '0')}`,
      startTime: this.now(),
      progress: fields.statusCode === 'InProgress' ? 30 : 100,
      ...fields,
    };
    if (fields.statusCode !== 'InProgress') activity.endTime = activity.startTime;
    this.activities.unshift(activity);
    return activity;
  }

  /** The model's clock. @internal */
  time(): number {
    return this.now();
  }

  /** Clears groups, activities and failures (the EC2 model is reset on its own). */
  reset(): void {
    this.groups.clear();
    this.activities.length = 0;
    this.failures.length = 0;
    this.bucket = undefined;
    this.nextInstance = this.firstInstance;
  }

  /** Every group moves its members on, and launches or terminates toward its desired capacity. */
  settleDue(): void {
    for (const g of this.groups.values()) reconcile(this, g);
  }
}
