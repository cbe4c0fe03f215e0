/**
 * One named schedule of an Ec2Scheduler: its checks and synth notes, and its EventBridge
 * Scheduler schedules (one per start and per stop expression, and the enforcement check's).
 */
import { Annotations, Duration, TimeZone, Token } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { synthNotes } from '../schedule/preview';
import type { ScheduleOptions, ScheduleResources } from './props';
import type { ResolvedProps } from './resolve-props';
import { buildScheduleInput, ScheduleAction, SchedulerEvent } from '../contract/schedule-input';
import { InvokeFunction, scheduleConstructId } from './schedule-target';
import { validateSchedule } from '../schedule/validation';
import { checkGroupFallbackSize } from './group-fallback-size';

/**
 * The context key that asks for each schedule's synth note (its hours and next start and stop):
 * `cdk synth -c cdk-ec2-scheduler:synthNotes=true`, or `"context"` in `cdk.json`.
 */
export const SYNTH_NOTES_CONTEXT = 'cdk-ec2-scheduler:synthNotes';

/** Whether the app asked for the synth notes (`true`, or `"true"` from the command line). */
function synthNotesAsked(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext(SYNTH_NOTES_CONTEXT);
  return value === true || value === 'true';
}

/** What a named schedule needs of its scheduler. */
export interface ScheduleHost {
  readonly scope: Construct;
  readonly props: ResolvedProps;
  readonly scheduleGroup: scheduler.IScheduleGroup;
  readonly schedulerRole: iam.IRole;
  readonly deadLetterQueue: sqs.IQueue;
  readonly functions: { readonly start: lambda.IFunction; readonly stop: lambda.IFunction };
}

/** A schedule's start and stop expressions, in the order given. */
export function expressionsOf(options: ScheduleOptions): { starts: string[]; stops: string[] } {
  const list = (first: string | undefined, more: string[] | undefined) =>
    first === undefined ? [] : [first, ...(more ?? [])];
  return {
    starts: list(options.start, options.additionalStarts),
    stops: list(options.stop, options.additionalStops),
  };
}

/** Validates a schedule's options and tells, at synth, what it will do. */
export function checkSchedule(host: ScheduleHost, name: string, options: ScheduleOptions): void {
  const timeZone = options.timeZone ?? host.props.timeZone;
  // With a time zone known only at deploy time, firings are judged in UTC.
  const zoneKnown = !Token.isUnresolved(timeZone);
  const skipDates = (options.skipDates ?? []).filter((d) => !Token.isUnresolved(d));
  const now = new Date();
  const crons = validateSchedule(
    {
      name,
      start: options.start,
      stop: options.stop,
      additionalStarts: options.additionalStarts,
      additionalStops: options.additionalStops,
      timeZone: zoneKnown ? timeZone : 'UTC',
      skipDates: options.skipDates,
      isUnresolved: (value) => Token.isUnresolved(value),
    },
    now,
  );
  if (options.enforce && (options.start === undefined || options.stop === undefined)) {
    throw new Error(
      `schedule "${name}": enforce stops instances found running outside the schedule's running window, which needs both a start and a stop; add ${options.start === undefined ? 'start' : 'stop'}, or leave enforce out`,
    );
  }
  const annotations = Annotations.of(host.scope);
  if (zoneKnown) {
    const notes = synthNotes(name, crons, timeZone, skipDates, now);
    for (const { id, message } of [...crons.warnings, ...notes.warnings]) {
      annotations.addWarningV2(id, message);
    }
    if (synthNotesAsked(host.scope)) annotations.addInfo(notes.info);
  }
  if ((options.skipDates ?? []).length > 0 && options.start === undefined) {
    annotations.addWarningV2(
      'cdk-ec2-scheduler:skipDatesWithoutStart',
      `schedule "${name}": skipDates only suppress starts, and this schedule has no start`,
    );
  }
  checkGroupFallbackSize(host.scope, name, options.groupFallbackSize, options.start !== undefined);
  if (options.hibernate && options.stop === undefined) {
    annotations.addWarningV2(
      'cdk-ec2-scheduler:hibernateWithoutStop',
      `schedule "${name}": hibernate applies to stops, and this schedule has no stop`,
    );
  }
}

/** Creates the schedule's EventBridge Scheduler schedules under `host.scope`. */
export function createSchedules(
  host: ScheduleHost,
  name: string,
  options: ScheduleOptions,
): ScheduleResources {
  const scope = new Construct(host.scope, scheduleConstructId(name));
  const { starts, stops } = expressionsOf(options);
  const input = (action: ScheduleAction, opposites: string[]) =>
    buildScheduleInput({
      action,
      schedule: name,
      tagKey: host.props.tagKey,
      timeZone: options.timeZone ?? host.props.timeZone,
      skipDates: options.skipDates ?? [],
      hibernate: options.hibernate ?? false,
      dryRun: host.props.dryRun,
      auditTags: host.props.auditTags,
      verifyTimeoutSeconds: host.props.verifyTimeoutSeconds,
      opposites,
      maxOverrideSeconds: host.props.maxOverrideSeconds,
      ...(options.groupFallbackSize ? { groupFallbackSize: { ...options.groupFallbackSize } } : {}),
    });
  const timeZone = TimeZone.of(options.timeZone ?? host.props.timeZone);
  // The first of each side keeps the id "Start" or "Stop"; more are "Start2", "Stop2", ...
  const make = (action: ScheduleAction, expression: string, i: number, opposites: string[]) =>
    createSchedule(host, scope, `${action === 'start' ? 'Start' : 'Stop'}${i > 0 ? i + 1 : ''}`, {
      description: `${action} EC2 instances tagged ${host.props.tagKey}=${name}`,
      expression: scheduler.ScheduleExpression.expression(expression, timeZone),
      event: input(action, opposites),
    });
  const startSchedules = starts.map((e, i) => make('start', e, i, stops));
  const stopSchedules = stops.map((e, i) => make('stop', e, i, starts));
  const enforceSchedule = options.enforce
    ? createSchedule(host, scope, 'Enforce', {
        description: `stop EC2 instances tagged ${host.props.tagKey}=${name} found running outside the schedule's running window`,
        expression: scheduler.ScheduleExpression.rate(
          Duration.minutes(host.props.enforceEveryMinutes),
        ),
        event: { ...input('stop', starts), enforce: { starts, stops } },
      })
    : undefined;
  return {
    name,
    startSchedule: startSchedules[0],
    stopSchedule: stopSchedules[0],
    additionalStartSchedules: startSchedules.slice(1),
    additionalStopSchedules: stopSchedules.slice(1),
    enforceSchedule,
  };
}

function createSchedule(
  host: ScheduleHost,
  scope: Construct,
  id: string,
  spec: {
    readonly description: string;
    readonly expression: scheduler.ScheduleExpression;
    readonly event: SchedulerEvent;
  },
): scheduler.Schedule {
  const schedule = new scheduler.Schedule(scope, id, {
    description: spec.description,
    scheduleGroup: host.scheduleGroup,
    schedule: spec.expression,
    target: new InvokeFunction(host.functions[spec.event.action], {
      input: scheduler.ScheduleTargetInput.fromObject(spec.event),
      role: host.schedulerRole,
      deadLetterQueue: host.deadLetterQueue,
      retryAttempts: host.props.retryAttempts,
      maxEventAge: host.props.maxEventAge,
    }),
  });
  // The schedule names its group by name only; create it after the group, delete it before.
  schedule.node.addDependency(host.scheduleGroup);
  return schedule;
}
