/**
 * The Auto Scaling groups of `coverage` (`groups` in `coverage --json`): every group of the
 * account and Region (`DescribeAutoScalingGroups`, no filter), by what its own `<tagKey>` tag says
 * (the tag the functions read): a deployed schedule, a name no deployed schedule has (with the
 * closest deployed name), or none. Groups EKS owns for a managed node group (tag
 * `eks:nodegroup-name`) are counted apart: the functions schedule the node group, not them.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { closestName } from '../common/closest-name';
import { EMPTY_VALUE, type DeployedSchedules } from './deployed-schedules';

/** One group of `coverage --json`, with its tag's value (absent for an untagged group). */
export interface CoveredGroup {
  readonly name: string;
  readonly schedule?: string;
  /** A value no deployed schedule has: the closest deployed name, if one is close enough. */
  readonly suggestion?: string;
}

/** The groups of `coverage --json`. */
export interface GroupCoverage {
  /** Tagged with a deployed schedule (without a cloud assembly: with any non-empty value). */
  readonly scheduled: CoveredGroup[];
  /** Tagged with a name no deployed schedule has (without a cloud assembly: the empty value). */
  readonly notDeployed: CoveredGroup[];
  /** Without the tag. */
  readonly untagged: CoveredGroup[];
  /** Groups EKS made for managed node groups, left out of the lists above. */
  readonly ownedByEks: number;
}

const NODEGROUP_TAG = 'eks:nodegroup-name';

/** The groups by what `schedules` says of their tag. */
export function groupCoverage(
  groups: readonly AutoScalingGroup[],
  schedules: DeployedSchedules,
): GroupCoverage {
  const deployed = schedules.fromAssembly ? schedules.names : undefined;
  const out = {
    scheduled: [] as CoveredGroup[],
    notDeployed: [] as CoveredGroup[],
    untagged: [] as CoveredGroup[],
  };
  const sorted = [...groups].sort((a, b) =>
    (a.AutoScalingGroupName ?? '').localeCompare(b.AutoScalingGroupName ?? ''),
  );
  let ownedByEks = 0;
  for (const g of sorted) {
    const tags = new Map((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    const name = g.AutoScalingGroupName ?? '';
    const schedule = tags.get(schedules.tagKey);
    if (tags.has(NODEGROUP_TAG)) ownedByEks++;
    else if (schedule === undefined) out.untagged.push({ name });
    else if (deployed ? deployed.includes(schedule) : schedule !== '') {
      out.scheduled.push({ name, schedule });
    } else {
      const suggestion = deployed ? closestName(schedule, deployed) : undefined;
      out.notDeployed.push({ name, schedule, ...(suggestion !== undefined ? { suggestion } : {}) });
    }
  }
  return { ...out, ownedByEks };
}

/** The lines of `coverage` on the groups; none when the account has no group. */
export function groupCoverageText(c: GroupCoverage, tagKey: string, fromAssembly: boolean) {
  const value = (g: CoveredGroup) => (g.schedule === '' ? EMPTY_VALUE : (g.schedule ?? ''));
  const total = c.scheduled.length + c.notDeployed.length + c.untagged.length;
  if (total + c.ownedByEks === 0) return [];
  const eks =
    c.ownedByEks > 0
      ? ` (and ${c.ownedByEks} that EKS owns for managed node groups, left out: tag the node group instead)`
      : '';
  return [
    '',
    `Auto Scaling groups: ${total}${eks}`,
    `  ${fromAssembly ? 'Scheduled' : 'Tagged'}: ${c.scheduled.length}`,
    ...c.scheduled.map((g) => `    ${g.name}  ${value(g)}`),
    `  ${fromAssembly ? 'Not a deployed schedule' : 'Empty schedule tag'}: ${c.notDeployed.length}`,
    ...c.notDeployed.map(
      (g) =>
        `    ${g.name}  ${value(g)}${g.suggestion !== undefined ? ` (did you mean "${g.suggestion}"?)` : ''}`,
    ),
    `  Unscheduled (no ${tagKey} tag): ${c.untagged.length}`,
    ...c.untagged.map((g) => `    ${g.name}`),
  ];
}
