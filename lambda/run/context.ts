/**
 * What every phase of a run shares: its input, its dependencies (clients, logger, clock), its time
 * budget, the record of outcomes and the pacer.
 */
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import type { RunBudget } from './budget';
import type { Clock, RunDeps } from './deps';
import type { Placement } from '../ec2/isolate';
import type { Pacer } from './pacer';
import type { RunRecord } from './record';

/** One run's shared state, handed to each phase. */
export interface RunContext {
  readonly input: RunInput;
  readonly event: SchedulerEvent;
  readonly deps: RunDeps;
  readonly clock: Clock;
  readonly budget: RunBudget;
  readonly record: RunRecord;
  readonly pacer: Pacer;
  /** Instance type and Availability Zone of each listed instance, for isolating failures. */
  readonly placement: Map<string, Placement>;
  /**
   * Instances found on their way into the state the action applies to ({@link transitFor}),
   * waited for: looked at again every few seconds, and acted on once they are there.
   */
  readonly waiting: Set<string>;
  /** When the schedule fired (its scheduled time, else when this run began). */
  readonly firedAt: Date;
}

/** The instance state an action applies to: a start acts on stopped instances, a stop running. */
export function stateFor(event: SchedulerEvent): string {
  return event.action === 'start' ? 'stopped' : 'running';
}

/** The state on the way into {@link stateFor}: stopping before stopped, pending before running. */
export function transitFor(event: SchedulerEvent): string {
  return event.action === 'start' ? 'stopping' : 'pending';
}

/** The states a run lists and looks again for: the one it acts on, and the one on the way to it. */
export function listedStates(event: SchedulerEvent): string[] {
  return [stateFor(event), transitFor(event)];
}
