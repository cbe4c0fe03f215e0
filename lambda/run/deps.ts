/**
 * What a run is given besides its kind's clients: logger, clock, the function's time, the
 * follow-up queue, the metrics sink and the deployment it checks events against.
 */
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import type { Deployment } from '../../lib/contract/schedule-input-parser';
import type { Ec2Limits } from './pacer';
import type { RunMetrics } from './summary';

/** Structured logger; Powertools' Logger fits. */
export interface RunLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** The time a run reads and waits on (a virtual one in tests). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** The wall clock and real timers. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A run's dependencies; a kind adds its clients (`ec2/clients.ts` `Ec2RunDeps`). */
export interface RunDeps {
  readonly logger: RunLogger;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
  /** Queues a follow-up run with the given input (async self-invocation in Lambda). */
  readonly followUp?: (event: SchedulerEvent) => Promise<void>;
  /** The account's API limits, where they were raised. @default EC2_DEFAULT_LIMITS */
  readonly limits?: Ec2Limits;
  /** @default realClock */
  readonly clock?: Clock;
  /** Receives the summary of every run that is not a dry run (CloudWatch metrics in Lambda). */
  readonly metrics?: RunMetrics;
  /**
   * The tag key and schedule names the stack configured; an event naming others is malformed.
   * The Lambda shell reads them from the environment the construct sets. Absent (unit tests of
   * the run), events are not checked against a deployment.
   */
  readonly deployment?: Deployment;
}
