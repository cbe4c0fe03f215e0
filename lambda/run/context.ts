/**
 * What every phase of a run shares: its input, its dependencies (clients, logger, clock), its time
 * budget, the record of outcomes and the pacer.
 */
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import type { RunBudget } from './budget';
import { type Clock, realClock, type RunDeps } from './deps';
import { EC2_DEFAULT_LIMITS, Pacer } from './pacer';
import { RunRecord } from './record';

/** One run's shared state, handed to each phase; `D` is what its kind needs besides (clients). */
export interface RunContext<D extends RunDeps = RunDeps> {
  readonly input: RunInput;
  readonly event: SchedulerEvent;
  readonly deps: D;
  readonly clock: Clock;
  readonly budget: RunBudget;
  readonly record: RunRecord;
  readonly pacer: Pacer;
  /** When the schedule fired (its scheduled time, else when this run began). */
  readonly firedAt: Date;
}

/**
 * A new run's context, begun at `startedAt` with `budget`: an empty record, and a pacer that
 * starts from the buckets a previous run handed over (else full).
 */
export function newContext<D extends RunDeps>(
  input: RunInput,
  deps: D,
  budget: RunBudget,
  startedAt: number,
): RunContext<D> {
  const { event } = input;
  const limits = (deps.limits ?? EC2_DEFAULT_LIMITS)[event.action];
  return {
    input,
    event,
    deps,
    clock: deps.clock ?? realClock,
    budget,
    record: new RunRecord(),
    pacer: new Pacer(limits, startedAt, event.followUp?.buckets),
    firedAt: input.scheduledTime ?? new Date(startedAt),
  };
}
