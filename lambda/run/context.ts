/**
 * What every phase of a run shares: its input, its dependencies (clients, logger, clock), its time
 * budget, the record of outcomes and the pacer.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SchedulerEvent } from '../../lib/contract/schedule-input';
import type { Deployment, RunInput } from '../../lib/contract/schedule-input-parser';
import type { RunBudget } from './budget';
import type { Placement } from '../ec2/isolate';
import type { Ec2Limits, Pacer } from './pacer';
import type { RunMetrics, RunRecord } from './report';

/** Structured logger; Powertools' Logger fits. */
export interface RunLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface RunDeps {
  /** Client for DescribeInstances and CreateTags (SDK adaptive retry). */
  readonly ec2: EC2Client;
  /**
   * Client for StartInstances/StopInstances. Its retry strategy should surface throttling and
   * errors about instances, so the run can shrink the batch or set the instance apart.
   * @default ec2
   */
  readonly ec2Actions?: EC2Client;
  readonly logger: RunLogger;
  /** Milliseconds left before the function times out. */
  readonly remainingMs: () => number;
  /** Queues a follow-up run with the given input (async self-invocation in Lambda). */
  readonly followUp?: (event: SchedulerEvent) => Promise<void>;
  readonly limits?: Ec2Limits;
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
