/**
 * Reads and checks the input a schedule (or a follow-up run) sends, before any API call: its
 * shape against the event's schema (`event-schema.ts`), then what depends on the deployment (its
 * tag key, its schedules, its targets) and on the run (the follow-up state's bounds).
 */
import * as v from 'valibot';
import { DEFAULT_MAX_OVERRIDE_SECONDS } from '../common/limits';
import { SCHEDULED_TIME_ATTRIBUTE } from '../common/shared-names';
import { EventBridgeCron, parseEventBridgeCron } from '../schedule/cron';
import { checkDeployment, Deployment } from './deployment';
import { EVENT_SCHEMAS, ScheduleAction, SchedulerEvent } from './event-schema';
import { checkFollowUp, FollowUpBounds } from './follow-up-state';
import { MalformedEventError, malformedEvent } from './input-checks';

export { MalformedEventError };
export { deploymentFromEnv } from './deployment';
export type { Deployment } from './deployment';

/** What an event is checked against besides its schema. */
export interface ParseOptions {
  /**
   * The deployment the event must name. Absent (unit tests of the run, the CLI reading a cloud
   * assembly), the event's tagKey and schedule are not checked against one; the Lambda shell
   * always passes it.
   */
  readonly deployment?: Deployment;
  /**
   * What a follow-up state is checked against. Absent, an input carrying one is malformed: only
   * the functions read follow-up runs.
   */
  readonly followUpBounds?: FollowUpBounds;
}

/** A checked event, with its parsed parts. */
export interface RunInput {
  readonly event: SchedulerEvent;
  /** The opposite side's expressions (none for a one-sided schedule). */
  readonly opposites: readonly EventBridgeCron[];
  /** An enforcement check's window. */
  readonly enforce?: { readonly starts: EventBridgeCron[]; readonly stops: EventBridgeCron[] };
  /** How far ahead an override may reach, in milliseconds. */
  readonly maxOverrideMs: number;
  /** When the schedule fired, if known. */
  readonly scheduledTime?: Date;
}

/** The expressions, which the schema checked, parsed. */
const crons = (expressions: readonly string[]) => expressions.map((e) => parseEventBridgeCron(e));

/**
 * Checks a raw event for the function that handles `action`.
 * @throws MalformedEventError naming the field, the value and what is expected
 */
export function parseScheduleInput(
  raw: unknown,
  action: ScheduleAction,
  options: ParseOptions = {},
): RunInput {
  const bounds = options.followUpBounds;
  if (!bounds && (raw as { followUp?: unknown } | null)?.followUp !== undefined) {
    throw new MalformedEventError('followUp is only read by the start and stop functions');
  }
  const parsed = v.safeParse(EVENT_SCHEMAS[action], raw, { abortEarly: true });
  if (!parsed.success) throw malformedEvent(parsed.issues);
  const { scheduledTime: time, followUp, ...event } = parsed.output;
  if (options.deployment) checkDeployment(event, options.deployment);
  // Invoked by hand with the placeholder left in: treat as "now".
  const scheduledTime =
    time !== undefined && time !== SCHEDULED_TIME_ATTRIBUTE ? new Date(time) : undefined;
  const checked: SchedulerEvent = {
    ...event,
    ...(scheduledTime ? { scheduledTime: scheduledTime.toISOString() } : {}),
    ...(followUp && bounds ? { followUp: checkFollowUp(followUp, bounds, scheduledTime) } : {}),
  };
  return {
    event: checked,
    opposites: crons(event.opposites ?? []),
    enforce: event.enforce && {
      starts: crons(event.enforce.starts),
      stops: crons(event.enforce.stops),
    },
    maxOverrideMs: (event.maxOverrideSeconds ?? DEFAULT_MAX_OVERRIDE_SECONDS) * 1000,
    scheduledTime,
  };
}
