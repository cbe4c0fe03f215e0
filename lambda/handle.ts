/**
 * The functions' logic, as a plain function taking its clients (`handler.ts` is its Lambda shell):
 * a schedule's event, checked, run on the kinds of resource the functions schedule (EC2
 * instances: `ec2/instances.ts`) by `run/run.ts`. A hub's events go through `hub/hub.ts`.
 */
import type { ScheduleAction } from '../lib/contract/schedule-input';
import type { Ec2RunDeps } from './ec2/clients';
import { instances } from './ec2/instances';
import { endOfRun, parseInput, runSchedule, type RunSummary } from './run/run';

export { MAX_CARRIED, MAX_FOLLOW_UPS, RunFailedError } from './run/run';
export type { Clock, InstanceResult, Outcome, RunLogger, RunMetrics, RunSummary } from './run/run';

/** What `handle` is given: a run's dependencies, and the clients of the kinds it schedules. */
export type HandleDeps = Ec2RunDeps;

/**
 * Parses the raw event, runs it, and fails the invocation (after the summary and metrics) when
 * the run is the last of its chain and anything in the chain failed.
 */
export async function handle(
  raw: unknown,
  action: ScheduleAction,
  deps: HandleDeps,
): Promise<RunSummary> {
  return endOfRun(await runSchedule(parseInput(raw, action, deps), deps, instances));
}
