/**
 * A run on every kind of resource its clients reach: EKS node groups (`eks/nodegroups.ts`) first,
 * as EKS owns their Auto Scaling groups and instances, then Auto Scaling groups
 * (`auto-scaling/groups.ts`), then EC2 instances (`ec2/instances.ts`). Used by a function's own
 * runs (`handle.ts`) and by a hub's run in each target (`hub/hub.ts`), with the spoke's clients.
 */
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import type { AutoScalingRunDeps } from '../auto-scaling/clients';
import { autoScalingGroups } from '../auto-scaling/groups';
import type { Ec2RunDeps } from '../ec2/clients';
import { instances } from '../ec2/instances';
import type { EksRunDeps } from '../eks/clients';
import { nodeGroups } from '../eks/nodegroups';
import { inSequence } from '../run/kinds';
import { runSchedule } from '../run/run';
import type { RunSummary } from '../run/summary';

/**
 * A run's dependencies and the clients of the kinds it schedules. Without an Auto Scaling client,
 * a run schedules no groups; without EKS and Tagging clients, no node groups.
 */
export type KindDeps = Ec2RunDeps &
  Partial<Pick<AutoScalingRunDeps, 'autoScaling'>> &
  Partial<Pick<EksRunDeps, 'eks' | 'tagging'>>;

/** The clients of the group kinds, in the function's account or a target's. */
export type GroupClients = Pick<AutoScalingRunDeps, 'autoScaling'> &
  Pick<EksRunDeps, 'eks' | 'tagging'>;

/** Groups, then instances. */
const withGroups = inSequence(autoScalingGroups, instances);
/** Node groups first (EKS owns their Auto Scaling groups and instances), then the rest. */
const withNodeGroups = inSequence(nodeGroups, withGroups);
const withNodeGroupsOnly = inSequence(nodeGroups, instances);

/** Runs `input` on the kinds `deps` has clients for. */
export function runOnKinds(input: RunInput, deps: KindDeps): Promise<RunSummary> {
  const { autoScaling, eks, tagging } = deps;
  if (eks && tagging) {
    return autoScaling
      ? runSchedule(input, { ...deps, autoScaling, eks, tagging }, withNodeGroups)
      : runSchedule(input, { ...deps, eks, tagging }, withNodeGroupsOnly);
  }
  return autoScaling
    ? runSchedule(input, { ...deps, autoScaling }, withGroups)
    : runSchedule(input, deps, instances);
}
