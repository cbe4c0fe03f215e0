/**
 * What the phases of a run on EC2 instances share: the run's context with the EC2 clients in its
 * deps, where each listed instance runs, and the instances waited for in transit; and the instance
 * states an action applies to.
 */
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import type { RunContext } from '../run/context';
import type { Ec2RunDeps } from './clients';
import type { Placement } from './isolate';

/** One run's shared state on EC2 instances, handed to each of its phases. */
export interface Ec2Context extends RunContext<Ec2RunDeps> {
  /** Instance type and Availability Zone of each listed instance, for isolating failures. */
  readonly placement: Map<string, Placement>;
  /**
   * Instances found on their way into the state the action applies to ({@link transitFor}),
   * waited for: looked at again every few seconds, and acted on once they are there.
   */
  readonly waiting: Set<string>;
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
