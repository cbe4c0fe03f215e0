/**
 * What `status` tells of an instance (the shape of `status --json`, documented in
 * docs/operator-commands.md): its tags read against the deployed schedules, its override judged
 * now; a member of an Auto Scaling group or EKS node group as a member (no start or stop of its
 * own, its override counting for nothing), as the functions treat it.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { tagOf } from './cli-ec2';
import { conflictMessage, DeployedSchedules } from './deployed-schedules';
import type { GroupStatus } from './status-groups';
import {
  type Membership,
  memberOverrideWhy,
  membershipOf,
  type OverrideStatus,
  overrideStatus,
  type TransitionTime,
} from './status-override';
import { overrideTagKey } from '../schedule/override';
import { auditTagKey } from '../common/shared-names';

export type { GroupKind, Membership, OverrideStatus, TransitionTime } from './status-override';
export type { GroupStatus } from './status-groups';

/** One instance of `status --json` (the shape is documented in the README). */
export interface InstanceStatus {
  readonly instanceId: string;
  /** The `Name` tag. */
  readonly name?: string;
  readonly state: string;
  /** The schedule tag's value. */
  readonly schedule: string;
  /** Given a cloud assembly: whether it deploys this schedule for the tag key. */
  readonly deployed?: boolean;
  readonly override?: OverrideStatus;
  /** The audit tag (`<tagKey>:last-action`). */
  readonly lastAction?: string;
  /**
   * The Auto Scaling group or EKS node group it belongs to: the functions never start or stop it
   * (nor judge its override); they scale the group, when the group carries the schedule tag.
   */
  readonly memberOf?: Membership;
  readonly nextStart?: TransitionTime;
  readonly nextStop?: TransitionTime;
  /** Why a deployed schedule has no next start and stop here. */
  readonly note?: string;
}

/** The whole of `status --json`. */
export interface StatusReport {
  readonly tagKey: string;
  readonly region: string;
  /** When overrides were judged and the next transitions computed (UTC). */
  readonly at: string;
  readonly instances: InstanceStatus[];
  /** The Auto Scaling groups and EKS managed node groups carrying the tag. */
  readonly groups: GroupStatus[];
}

/** What `status` tells of one instance. */
export function statusOf(
  instance: Instance,
  schedules: DeployedSchedules,
  now: Date,
): InstanceStatus {
  const key = schedules.tagKey;
  const schedule = tagOf(instance, key) ?? '';
  const override = tagOf(instance, overrideTagKey(key));
  const lastAction = tagOf(instance, auditTagKey(key));
  const name = tagOf(instance, 'Name');
  const memberOf = membershipOf(instance);
  const found = schedules.lookup(schedule);
  const next = memberOf ? {} : schedules.next(schedule, now);
  const time = (t: TransitionTime | undefined) => t && { local: t.local, utc: t.utc };
  const judged = (value: string): OverrideStatus =>
    memberOf
      ? { value, status: 'ignored', why: memberOverrideWhy(memberOf) }
      : overrideStatus(value, schedules.judge(value, schedule, now));
  return {
    instanceId: instance.InstanceId as string,
    ...(name !== undefined ? { name } : {}),
    state: instance.State?.Name ?? 'unknown',
    schedule,
    ...(schedules.fromAssembly ? { deployed: found.kind !== 'not-deployed' } : {}),
    ...(override !== undefined ? { override: judged(override) } : {}),
    ...(lastAction !== undefined ? { lastAction } : {}),
    ...(memberOf ? { memberOf } : {}),
    ...(next.start ? { nextStart: time(next.start) } : {}),
    ...(next.stop ? { nextStop: time(next.stop) } : {}),
    ...(found.kind === 'conflict' && !memberOf
      ? { note: conflictMessage(schedule, found.stacks) }
      : {}),
  };
}
