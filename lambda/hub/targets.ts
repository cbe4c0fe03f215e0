/**
 * Runs across many accounts and Regions (a hub's `targets`): the accounts (listed, and those of
 * the organizational units), one run per account x Region with bounded concurrency, each with
 * clients for its action's spoke role and its own pacing, deadline and follow-up chain; one target
 * never blocks another. Every STS and Organizations call is bound by the invocation's deadline.
 */
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import type { RunTarget, ScheduleAction, TargetsConfig } from '../../lib/contract/schedule-input';
import type { Ec2Clients, Ec2RunDeps } from '../ec2/clients';
import type { GroupClients, KindDeps } from '../kinds/run-kinds';
import type { RunLogger } from '../run/deps';
import { describeError, isAbort } from '../run/errors';
import type { CallRunner } from '../run/clients';
import type { RunSummary } from '../run/summary';
import { mapLimit } from '../../lib/common/map-limit';

/** Targets run at once: EC2's buckets are per account and Region, the function's memory is not. */
export const TARGET_CONCURRENCY = 10;

/** Who acts in a target: the spoke role of the run's action, in a session named for the schedule. */
export interface SpokeSession {
  /** The hub function's action: it assumes the spoke role `<spokeRoleName>-<action>`. */
  readonly action: ScheduleAction;
  /** The role session name (see {@link sessionNameOf}). */
  readonly name: string;
}

/** What runs across targets need besides a run's own dependencies. */
export interface TargetDeps {
  readonly config: TargetsConfig;
  /**
   * The clients acting in `target` through the spoke role of `session.action` (EC2, and the group
   * kinds' when given); `call` runs the AssumeRole call with per-call options bound to the
   * invocation's deadline.
   */
  readonly connect: (
    target: RunTarget,
    session: SpokeSession,
    call: CallRunner,
  ) => Promise<Ec2Clients & Partial<GroupClients>>;
  /**
   * The active accounts of the organizational units (and of the units below them); `call` runs
   * each Organizations call with per-call options bound to the invocation's deadline.
   */
  readonly accountsOf: (
    organizationalUnitIds: readonly string[],
    call: CallRunner,
  ) => Promise<string[]>;
  /** @default TARGET_CONCURRENCY */
  readonly concurrency?: number;
}

/** Why a target could not be reached: the error's code and message; a deadline says so. */
export function connectFailure(err: unknown): { errorCode: string; message: string } {
  const { errorCode, message } = describeError(err);
  return isAbort(err)
    ? {
        errorCode,
        message: `the invocation's deadline came before the spoke role was assumed (${message})`,
      }
    : { errorCode, message };
}

/** A target that could not run at all (its role could not be assumed, ...). */
export interface FailedTarget extends RunTarget {
  readonly errorCode: string;
  readonly message: string;
}

/** What a run across targets returns: each target's summary, and the targets that failed. */
export interface TargetsSummary {
  readonly schedule: string;
  readonly action: string;
  readonly targets: readonly (RunSummary & RunTarget)[];
  readonly failedTargets: readonly FailedTarget[];
  /** Faults of the whole run, e.g. listing an organizational unit. */
  readonly problems: readonly string[];
}

/** The role session name: the schedule's name, so the spoke's CloudTrail says who acted. */
export function sessionNameOf(schedule: string): string {
  return schedule
    .replace(/[^\w+=,.@-]/g, '-')
    .slice(0, 64)
    .padEnd(2, '-');
}

/** A logger that adds the target to every line. */
export function targetLogger(logger: RunLogger, target: RunTarget): RunLogger {
  const add = (attributes?: Record<string, unknown>) => ({ ...target, ...attributes });
  return {
    info: (message, attributes) => logger.info(message, add(attributes)),
    warn: (message, attributes) => logger.warn(message, add(attributes)),
    error: (message, attributes) => logger.error(message, add(attributes)),
  };
}

/** Every account x Region, the listed accounts first; OU accounts that cannot be listed are a problem. */
async function targetsOf(
  t: TargetDeps,
  call: CallRunner,
  problems: string[],
): Promise<RunTarget[]> {
  const accounts = [...t.config.accounts];
  if (t.config.organizationalUnitIds.length > 0) {
    try {
      accounts.push(...(await t.accountsOf(t.config.organizationalUnitIds, call)));
    } catch (err) {
      const { errorCode, message } = describeError(err);
      problems.push(`listing the organizational units failed: ${errorCode}: ${message}`);
    }
  }
  const unique = [...new Set(accounts)];
  return unique.flatMap((account) => t.config.regions.map((region) => ({ account, region })));
}

/**
 * Runs the input in every target: `runOne` runs one target's input with its deps (the spoke's
 * clients, a logger naming the target, follow-ups that stay in the target); `call` runs the
 * invocation's STS and Organizations calls, bound by its deadline.
 */
export async function runTargets(
  input: RunInput,
  deps: Ec2RunDeps,
  t: TargetDeps,
  runOne: (input: RunInput, deps: KindDeps) => Promise<RunSummary>,
  call: CallRunner,
): Promise<TargetsSummary> {
  const problems: string[] = [];
  const targets = await targetsOf(t, call, problems);
  const session = { action: input.event.action, name: sessionNameOf(input.event.schedule) };
  const outcomes = await mapLimit(targets, t.concurrency ?? TARGET_CONCURRENCY, async (target) => {
    const logger = targetLogger(deps.logger, target);
    let clients;
    try {
      clients = await t.connect(target, session, call);
    } catch (err) {
      const { errorCode, message } = connectFailure(err);
      logger.error('target failed', {
        schedule: input.event.schedule,
        errorCode,
        errorMessage: message,
      });
      return { failed: { ...target, errorCode, message } };
    }
    const event = { ...input.event, target };
    const summary = await runOne({ ...input, event }, { ...deps, ...clients, logger });
    return { summary: { ...summary, ...target } };
  });
  return {
    schedule: input.event.schedule,
    action: input.event.action,
    targets: outcomes.flatMap((o) => (o.summary ? [o.summary] : [])),
    failedTargets: outcomes.flatMap((o) => (o.failed ? [o.failed] : [])),
    problems,
  };
}
