/**
 * The functions' logic, as a plain function taking its clients (`handler.ts` is its Lambda shell):
 * a schedule's event, checked, run on the kinds of resource the functions schedule (EKS node groups,
 * `eks/nodegroups.ts`, then Auto Scaling groups, `auto-scaling/groups.ts`, then EC2 instances,
 * `ec2/instances.ts`) by `run/run.ts`. A hub's events go through `hub/hub.ts`.
 */
import type { ScheduleAction } from '../lib/contract/schedule-input';
import type { AutoScalingRunDeps } from './auto-scaling/clients';
import { autoScalingGroups } from './auto-scaling/groups';
import type { Ec2RunDeps } from './ec2/clients';
import type { EksRunDeps } from './eks/clients';
import { nodeGroups } from './eks/nodegroups';
import { instances } from './ec2/instances';
import { inSequence } from './run/kinds';
import { endOfRun, parseInput, runSchedule, type RunSummary } from './run/run';

export { MAX_CARRIED, MAX_FOLLOW_UPS, RunFailedError } from './run/run';
export type { Clock, InstanceResult, Outcome, RunLogger, RunMetrics, RunSummary } from './run/run';

/**
 * What `handle` is given: a run's dependencies, and the clients of the kinds it schedules. Without
 * an Auto Scaling client, a run schedules no groups; without EKS and Tagging clients, no node groups.
 */
export type HandleDeps = Ec2RunDeps &
  Partial<Pick<AutoScalingRunDeps, 'autoScaling'>> &
  Partial<Pick<EksRunDeps, 'eks' | 'tagging'>>;

/** Groups, then instances; instances alone when `deps` has no Auto Scaling client. */
const withGroups = inSequence(autoScalingGroups, instances);
/** Node groups first (EKS owns their Auto Scaling groups and instances), then the rest. */
const withNodeGroups = inSequence(nodeGroups, withGroups);
const withNodeGroupsOnly = inSequence(nodeGroups, instances);

/**
 * Parses the raw event, runs it, and fails the invocation (after the summary and metrics) when
 * the run is the last of its chain and anything in the chain failed.
 */
export async function handle(
  raw: unknown,
  action: ScheduleAction,
  deps: HandleDeps,
): Promise<RunSummary> {
  const input = parseInput(raw, action, deps);
  const { autoScaling, eks, tagging } = deps;
  const summary =
    eks && tagging
      ? autoScaling
        ? await runSchedule(input, { ...deps, autoScaling, eks, tagging }, withNodeGroups)
        : await runSchedule(input, { ...deps, eks, tagging }, withNodeGroupsOnly)
      : autoScaling
        ? await runSchedule(input, { ...deps, autoScaling }, withGroups)
        : await runSchedule(input, deps, instances);
  return endOfRun(summary);
}
