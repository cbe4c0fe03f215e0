/**
 * What the handler's unit tests share: the run's dependencies on the in-process EC2 and its
 * virtual clock, a logger that keeps its lines, and the office-hours schedule's event.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Ec2Limits } from '../../lambda/run/pacer';
import {
  handle,
  RunFailedError,
  type HandleDeps as RunDeps,
  type RunLogger,
  type RunSummary,
} from '../../lambda/handle';
import type { RunTarget, SchedulerEvent } from '../../lib/contract/schedule-input';
import type { InProcessEc2 } from '../../harness/ec2/in-process';

/** Lambda's longest timeout, the construct's default. */
export const FIFTEEN_MINUTES = 15 * 60_000;

/** What the construct puts in a start schedule's input by default: audit tags and verification. */
export const WITH_OPERATIONS = { auditTags: true, verifyTimeoutSeconds: 180 } as const;

const PLENTY = { capacity: 1e6, refillPerSecond: 1e6 };

/** Limits large enough that nothing is throttled: shows batching alone. */
export const UNLIMITED: Ec2Limits = {
  start: { request: PLENTY, resource: PLENTY },
  stop: { request: PLENTY, resource: PLENTY },
};

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes?: Record<string, unknown>;
}

export function captureLogger(): RunLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (message, attributes) => lines.push({ level: 'info', message, attributes }),
    warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => lines.push({ level: 'error', message, attributes }),
  };
}

export interface TestDeps extends RunDeps {
  readonly followUps: SchedulerEvent[];
  readonly logger: RunLogger & { lines: LogLine[] };
}

/** Deps for one run with `budgetMs` of function time on the fake's clock. */
export function depsFor(fake: InProcessEc2, budgetMs: number, limits?: Ec2Limits): TestDeps {
  const deadline = fake.clock.now() + budgetMs;
  const followUps: SchedulerEvent[] = [];
  return {
    ec2: new EC2Client({ region: 'us-east-1' }),
    logger: captureLogger(),
    remainingMs: () => deadline - fake.clock.now(),
    clock: fake.clock,
    limits,
    followUps,
    followUp: async (event) => {
      followUps.push(event);
    },
  };
}

export interface RunOptions extends Partial<TestDeps> {
  /** Function time on the fake's clock. Default 15 minutes. */
  readonly budgetMs?: number;
}

/** Runs `event` as its function would (limits: UNLIMITED unless given): its summary and deps. */
export async function runEvent(
  fake: InProcessEc2,
  event: SchedulerEvent,
  { budgetMs = FIFTEEN_MINUTES, limits = UNLIMITED, ...extra }: RunOptions = {},
): Promise<{ summary: RunSummary; deps: TestDeps }> {
  const deps = { ...depsFor(fake, budgetMs, limits), ...extra };
  const summary = await handle(event, event.action, deps);
  return { summary, deps };
}

/** Runs an event that is expected to fail the invocation: the error, its summary and the deps. */
export async function runExpectingFailure(
  fake: InProcessEc2,
  event: SchedulerEvent,
  { budgetMs = FIFTEEN_MINUTES, limits = UNLIMITED, ...extra }: RunOptions = {},
): Promise<{ error: RunFailedError; summary: RunSummary; deps: TestDeps }> {
  const deps = { ...depsFor(fake, budgetMs, limits), ...extra };
  const error = await handle(event, event.action, deps).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RunFailedError);
  return { error: error as RunFailedError, summary: (error as RunFailedError).summary, deps };
}

export function officeHoursEvent(overrides: Partial<SchedulerEvent> = {}): SchedulerEvent {
  return {
    version: 1,
    action: 'start',
    schedule: 'office-hours',
    tagKey: 'Schedule',
    timeZone: 'America/New_York',
    skipDates: [],
    hibernate: false,
    dryRun: false,
    opposites: ['cron(0 17 ? * MON-FRI *)'],
    scheduledTime: '2026-11-30T13:00:00.000Z',
    ...overrides,
  };
}

/** A target's run summary as `runSchedule` returns it: one instance started, unless `fields` say otherwise. */
export function summaryFor(target: RunTarget, fields: Partial<RunSummary> = {}): RunSummary {
  return {
    schedule: 'office-hours',
    action: 'start',
    ...target,
    dryRun: false,
    found: 1,
    started: 1,
    stopped: 0,
    skipped: 0,
    deferred: 0,
    failed: 0,
    unverified: 0,
    groupsStarted: 0,
    groupsStopped: 0,
    groupsSkipped: 0,
    groupsDeferred: 0,
    groupsFailed: 0,
    auditTagged: 0,
    overridesIgnored: 0,
    failures: [],
    apiCalls: 2,
    throttledCalls: 0,
    durationMs: 5,
    ...fields,
  };
}
