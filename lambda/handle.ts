/**
 * The functions' logic, as a plain function taking its clients (`handler.ts` is its Lambda shell):
 * a schedule's event, checked, run on the kinds of resource the functions schedule
 * (`kinds/run-kinds.ts`) by `run/run.ts`. A hub's events go through `hub/hub.ts`.
 */
import type { ScheduleAction } from '../lib/contract/schedule-input';
import { type KindDeps, runOnKinds } from './kinds/run-kinds';
import { endOfRun, parseInput, type RunSummary } from './run/run';

export { MAX_CARRIED, MAX_FOLLOW_UPS, RunFailedError } from './run/run';
export type { Clock, InstanceResult, Outcome, RunLogger, RunMetrics, RunSummary } from './run/run';

/**
 * What `handle` is given: a run's dependencies, and the clients of the kinds it schedules. Without
 * an Auto Scaling client, a run schedules no groups; without EKS and Tagging clients, no node groups.
 */
export type HandleDeps = KindDeps;

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
  return endOfRun(await runOnKinds(input, deps));
}
