/**
 * What `status` tells of Auto Scaling groups and EKS managed node groups (`groups` in
 * `status --json`): each group's schedule, current size and the size a stop saved (the
 * `<tagKey>:size` tag), its override judged now (the functions honour a group's own override tag),
 * its last action and next start and stop; and which listed instances are members of a group,
 * which the functions never start or stop as instances.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Nodegroup } from '@aws-sdk/client-eks';
import { conflictMessage, type DeployedSchedules } from './deployed-schedules';
import {
  type GroupKind,
  type OverrideStatus,
  overrideStatus,
  type TransitionTime,
} from './status-override';
import { overrideTagKey } from '../schedule/override';
import { auditTagKey, sizeTagKey } from '../common/shared-names';

/** One group of `status --json`. */
export interface GroupStatus {
  readonly kind: GroupKind;
  /** The Auto Scaling group's name, or `cluster/nodegroup`. */
  readonly name: string;
  /** The schedule tag's value (the group's own tag). */
  readonly schedule: string;
  /** Given a cloud assembly: whether it deploys this schedule for the tag key. */
  readonly deployed?: boolean;
  /** MinSize, DesiredCapacity and MaxSize now: `min,desired,max`. */
  readonly size: string;
  /** The size tag (`<tagKey>:size`) a stop wrote, verbatim: `min,desired,max`. */
  readonly savedSize?: string;
  /** A node group's status (ACTIVE, UPDATING, ...). */
  readonly status?: string;
  readonly override?: OverrideStatus;
  /** The audit tag (`<tagKey>:last-action`). */
  readonly lastAction?: string;
  readonly nextStart?: TransitionTime;
  readonly nextStop?: TransitionTime;
  /** Why a deployed schedule has no next start and stop here. */
  readonly note?: string;
}

/** A group's name, kind, size and tags: what `status` reads of either kind. */
interface Listed {
  readonly kind: GroupKind;
  readonly name: string;
  readonly size: string;
  readonly status?: string;
  readonly tags: ReadonlyMap<string, string>;
}

function fromGroup(g: AutoScalingGroup): Listed {
  return {
    kind: 'auto-scaling-group',
    name: g.AutoScalingGroupName ?? '',
    size: `${g.MinSize ?? 0},${g.DesiredCapacity ?? 0},${g.MaxSize ?? 0}`,
    tags: new Map((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

function fromNodegroup(ng: Nodegroup): Listed {
  const s = ng.scalingConfig ?? {};
  return {
    kind: 'eks-nodegroup',
    name: `${ng.clusterName ?? ''}/${ng.nodegroupName ?? ''}`,
    size: `${s.minSize ?? 0},${s.desiredSize ?? 0},${s.maxSize ?? 0}`,
    ...(ng.status ? { status: ng.status } : {}),
    tags: new Map(Object.entries(ng.tags ?? {})),
  };
}

function statusOfGroup(g: Listed, schedules: DeployedSchedules, now: Date): GroupStatus {
  const key = schedules.tagKey;
  const schedule = g.tags.get(key) ?? '';
  const override = g.tags.get(overrideTagKey(key));
  const saved = g.tags.get(sizeTagKey(key));
  const lastAction = g.tags.get(auditTagKey(key));
  const found = schedules.lookup(schedule);
  const next = schedules.next(schedule, now);
  const time = (t: TransitionTime | undefined) => t && { local: t.local, utc: t.utc };
  return {
    kind: g.kind,
    name: g.name,
    schedule,
    ...(schedules.fromAssembly ? { deployed: found.kind !== 'not-deployed' } : {}),
    size: g.size,
    ...(saved !== undefined ? { savedSize: saved } : {}),
    ...(g.status ? { status: g.status } : {}),
    ...(override !== undefined
      ? { override: overrideStatus(override, schedules.judge(override, schedule, now)) }
      : {}),
    ...(lastAction !== undefined ? { lastAction } : {}),
    ...(next.start ? { nextStart: time(next.start) } : {}),
    ...(next.stop ? { nextStop: time(next.stop) } : {}),
    ...(found.kind === 'conflict' ? { note: conflictMessage(schedule, found.stacks) } : {}),
  };
}

/**
 * What `status` tells of the groups and node groups listed, sorted by schedule, kind and name;
 * a node group whose schedule tag is gone since the Tagging API listed it is left out, as the
 * functions leave it alone.
 */
export function groupsStatus(
  groups: readonly AutoScalingGroup[],
  nodegroups: readonly Nodegroup[],
  schedules: DeployedSchedules,
  now: Date,
  schedule?: string,
): GroupStatus[] {
  const key = schedules.tagKey;
  const listed = [
    ...groups.map(fromGroup),
    ...nodegroups
      .map(fromNodegroup)
      .filter((g) => g.tags.has(key) && (schedule === undefined || g.tags.get(key) === schedule)),
  ];
  return listed
    .map((g) => statusOfGroup(g, schedules, now))
    .sort(
      (a, b) =>
        a.schedule.localeCompare(b.schedule) ||
        a.kind.localeCompare(b.kind) ||
        a.name.localeCompare(b.name),
    );
}
