/**
 * The seam between a run and what it schedules. The run (`run.ts`) keeps the rules every kind of
 * resource shares: skip dates, enforcement verdicts and windows, the budget, the pacer, the
 * hand-over and the chain's failures, the report. A kind keeps what is its own: how its resources
 * are found, which are left alone, how they are acted on and verified, and how the follow-up
 * state carries what is left.
 *
 * Adding a kind (Auto Scaling groups, say): a folder beside `ec2/` whose module exports a
 * `ResourceKind` as `ec2/instances.ts` does, with the clients it needs added to the run's deps
 * (`RunDeps & ...`, as `ec2/clients.ts` `Ec2RunDeps`); a field of its own in the follow-up state
 * (`lib/contract/schedule-input.ts` `FollowUpState`, checked in `follow-up-state.ts`) that
 * `carried` reads and `Pending.carry` writes; and the entry points (`handle.ts`, `hub/hub.ts`)
 * give it to `runSchedule`. Nothing in `run/` changes.
 */
import type { FollowUpState, SchedulerEvent } from '../../lib/contract/schedule-input';
import type { RunContext } from './context';
import type { RunDeps } from './deps';

/** A kind of scheduled resource, as a run drives it; `D`: the deps with its clients. */
export interface ResourceKind<D extends RunDeps = RunDeps> {
  /**
   * The least time verifying a start takes (one look and its call): a start keeps time back to
   * verify only when it has at least this much to spare. Absent: the kind verifies nothing.
   */
  readonly minVerifyMs?: number;
  /**
   * The ids that `event`'s follow-up state carries for this kind, in the order it would act on
   * them; undefined when it carries none (the follow-up lists again). Calls nothing.
   */
  carried(event: SchedulerEvent): readonly string[] | undefined;
  /** This run's work on the kind's resources: one per run (it holds what is queued). */
  open(ctx: RunContext<D>): KindWork;
}

/**
 * One run's work on a kind: `prepare` once, then `act` (or `dryRun`), then `verify`; whenever the
 * run stops short (the window closes, the deadline comes, a fault nothing else handled),
 * `takePending` hands it what is not done.
 */
export interface KindWork {
  /**
   * Takes what the follow-up state carries (looked at again before anything is done to it) or
   * lists; records how many it found (`record.found`) and each it leaves alone.
   */
  prepare(): Promise<Prepared>;
  /**
   * Acts on what was prepared, within the pacer and the budget, until all is done, the deadline
   * comes or acting would reach `notAfter`; what is not done stays pending.
   */
  act(notAfter: Date): Promise<ActEnd>;
  /** Records what `act` would do, and calls nothing that changes anything. */
  dryRun(): void;
  /** After `act`: checks that what it did took (for instances, that started ones run). */
  verify?(): Promise<void>;
  /** What is not done yet (queued, or waited for), in order; the work holds none of it after. */
  takePending(): Pending;
}

/** How preparing found the work. */
export type Prepared =
  /** Taken from what the follow-up state carried. */
  | { readonly listed: false }
  /**
   * Listed: all of it, or what was listed before the deadline (`cutShort`: a later run lists
   * again) or before a call failed after the SDK's retries (`error`: the rest is not reached).
   */
  | {
      readonly listed: true;
      readonly cutShort: boolean;
      readonly error?: { readonly errorCode: string; readonly message: string };
    };

/**
 * Where acting stopped: all done (`done`); the deadline came first (`deadline`: what is pending
 * goes to a follow-up run); or acting would reach the window's end (`windowClosed`).
 */
export type ActEnd = 'done' | 'deadline' | 'windowClosed';

/** What a run has not done, and how a follow-up state carries it. */
export interface Pending {
  /** Every id not done, in the order the run would have acted on them. */
  readonly ids: readonly string[];
  /** The follow-up state's fields that carry them (when there are not too many to carry). */
  readonly carry: Pick<FollowUpState, 'instances'>;
}
