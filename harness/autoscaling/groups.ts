/**
 * The groups of the fake Auto Scaling service: how a test describes one, how the model keeps it
 * (sizes, tags, members and their lifecycle, scaling activities), and the service's errors.
 * Shapes and messages follow the Amazon EC2 Auto Scaling API Reference (API version 2011-01-01):
 * `AutoScalingGroup`, `Instance`, `TagDescription`, `Activity`, and the errors `ValidationError`
 * (400), `ScalingActivityInProgress` (400), `ResourceContention` (500) and `Throttling` (400).
 */
import type { Ec2Model } from '../ec2';

/** A tag of a group, as `CreateOrUpdateTags` and `DescribeTags` carry it. */
export interface GroupTag {
  readonly key: string;
  readonly value: string;
  /** Whether instances the group launches get the tag. Default false. */
  readonly propagateAtLaunch?: boolean;
}

/** How a test describes a group. */
export interface GroupSpec {
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Default minSize. Members this many are InService from the start. */
  readonly desiredCapacity?: number;
  readonly tags?: readonly GroupTag[];
  /**
   * When set, every launch fails: a Failed scaling activity with this StatusMessage, and no
   * instance (as a launch template naming a missing AMI or key pair fails).
   */
  readonly launchFailure?: string;
}

/** The lifecycle states this fake uses of the API's `LifecycleState`. */
export type LifecycleState = 'Pending' | 'InService' | 'Terminating';

/** A member instance as the group keeps it. */
export interface Member {
  readonly instanceId: string;
  lifecycle: LifecycleState;
  /** When a Pending or Terminating member moves on, on the model's clock. */
  settleAt: number;
}

/** The API's `Activity`. */
export interface Activity {
  readonly activityId: string;
  readonly groupName: string;
  readonly description: string;
  readonly cause: string;
  readonly startTime: number;
  endTime?: number;
  statusCode: 'InProgress' | 'Successful' | 'Failed';
  statusMessage?: string;
  progress: number;
  /** The member the activity launches or terminates, if any. */
  readonly instanceId?: string;
}

/** A group as the model keeps it. */
export interface ModelGroup {
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  /** Tags by key. */
  readonly tags: Map<string, GroupTag>;
  readonly members: Member[];
  launchFailure?: string;
  /** When the group last looked at its capacity and failed to launch, so it does not retry at once. */
  failedFor?: number;
}

/** What a group's reconciliation needs of the model (`reconcile.ts`). */
export interface GroupWorld {
  readonly ec2: Ec2Model;
  readonly launchMs: number;
  readonly terminateMs: number;
  readonly activities: Activity[];
  time(): number;
  launch(group: ModelGroup, state: 'pending' | 'running'): string;
  startActivity(fields: Omit<Activity, 'activityId' | 'startTime' | 'progress'>): Activity;
}

/** ISO 8601 in UTC, to the second, as the service writes times in a cause. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An error the fake answers, with the service's code and HTTP status. */
export class AutoScalingError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = code === 'ResourceContention' || code === 'InternalFailure' ? 500 : 400,
  ) {
    super(message);
    this.name = code;
  }

  /** `Sender` for 4xx errors, `Receiver` for 5xx, as the Query protocol's `Error.Type`. */
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

/** The `ValidationError` for a group name the account does not have. */
export function groupNotFound(name: string): AutoScalingError {
  return new AutoScalingError('ValidationError', `AutoScalingGroup name not found - ${name}`);
}

/** Checks `min <= desired <= max` as `UpdateAutoScalingGroup` does. */
export function checkSizes(min: number, desired: number, max: number): void {
  for (const [field, n] of [
    ['MinSize', min],
    ['DesiredCapacity', desired],
    ['MaxSize', max],
  ] as const) {
    if (!Number.isInteger(n) || n < 0) {
      throw new AutoScalingError('ValidationError', `${field} must be a whole number, 0 or more`);
    }
  }
  if (min > max) {
    throw new AutoScalingError(
      'ValidationError',
      `Max bound, ${max}, must be greater than or equal to min bound, ${min}`,
    );
  }
  if (desired < min || desired > max) {
    throw new AutoScalingError(
      'ValidationError',
      `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`,
    );
  }
}
