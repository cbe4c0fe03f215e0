/**
 * A hub's invocation: the schedule's first run covers every target (`targets.ts`); a follow-up
 * run stays in the one target it names. The invocation fails at the end when any target failed,
 * so the FunctionErrors alarm fires; the other targets have run.
 */
import type { ScheduleAction } from '../../lib/contract/schedule-input';
import type { RunInput } from '../../lib/contract/schedule-input-parser';
import { RunBudget } from '../run/budget';
import { chainFailures } from '../run/chain';
import type { Ec2RunDeps } from '../ec2/clients';
import { instances } from '../ec2/instances';
import { realClock, type RunDeps } from '../run/deps';
import { endOfRun, parseInput, type RunSummary } from '../run/run';
import { runOnKinds } from '../kinds/run-kinds';
import {
  connectFailure,
  runTargets,
  sessionNameOf,
  targetLogger,
  type TargetDeps,
  type TargetsSummary,
} from './targets';
import { reportUnreachedTarget } from './unreached-target';

/** Most targets an error message names. */
const MAX_NAMED_TARGETS = 10;

/** The invocation fails with this, after every target has run and reported. */
export class TargetsFailedError extends Error {
  constructor(readonly summary: TargetsSummary) {
    super(targetsMessage(summary));
    this.name = 'TargetsFailedError';
  }
}

/** Whether a target's run failed: it is the last of its chain and something in it failed. */
const failedRun = (s: RunSummary) => !s.followUp && chainFailures(s);

function targetsMessage(summary: TargetsSummary): string {
  const failed = [
    ...summary.failedTargets.map((t) => `${t.account}/${t.region}: ${t.errorCode}: ${t.message}`),
    ...summary.targets
      .filter(failedRun)
      .map(
        (t) =>
          `${t.account}/${t.region}: ${t.failed} instances failed${t.listingFailed ? ', listing failed' : ''}`,
      ),
  ];
  const total = summary.targets.length + summary.failedTargets.length;
  const parts = [...summary.problems];
  if (failed.length > 0) {
    const more =
      failed.length > MAX_NAMED_TARGETS ? `; and ${failed.length - MAX_NAMED_TARGETS} more` : '';
    parts.unshift(
      `${failed.length} of ${total} targets failed: ${failed.slice(0, MAX_NAMED_TARGETS).join('; ')}${more}`,
    );
  }
  return `schedule "${summary.schedule}" ${summary.action}: ${parts.join('; ')}`;
}

/**
 * The budget of the invocation's own calls (STS, Organizations): each bound by its deadline as a
 * run's EC2 calls are, request timeout a third of the time left, abort at the deadline less the
 * run's margin, so a hung call leaves time for the report.
 */
function invocationBudget(input: RunInput, deps: RunDeps): RunBudget {
  return new RunBudget(deps.remainingMs, deps.clock ?? realClock, input.event, false);
}

/**
 * Handles a hub's event: every target on the schedule's run, or the named target on a follow-up.
 * @throws TargetsFailedError (first run) or RunFailedError (follow-up) after reporting
 */
export async function handleHub(
  raw: unknown,
  action: ScheduleAction,
  deps: Ec2RunDeps,
  t: TargetDeps,
): Promise<RunSummary | TargetsSummary> {
  const input = parseInput(raw, action, deps);
  const { target, schedule } = input.event;
  const budget = invocationBudget(input, deps);
  const call = budget.call.bind(budget);
  const session = { action, name: sessionNameOf(schedule) };
  if (target) {
    const logger = targetLogger(deps.logger, target);
    let clients;
    try {
      clients = await t.connect(target, session, call);
    } catch (err) {
      return endOfRun(
        reportUnreachedTarget(input, { ...deps, logger }, budget, connectFailure(err), instances),
      );
    }
    return endOfRun(await runOnKinds(input, { ...deps, ...clients, logger }));
  }
  const summary = await runTargets(input, deps, t, runOnKinds, call);
  deps.logger.info('targets', {
    schedule,
    action,
    targets: summary.targets.length + summary.failedTargets.length,
    failedTargets: summary.failedTargets,
    problems: summary.problems,
  });
  const anyFailed =
    summary.failedTargets.length > 0 ||
    summary.problems.length > 0 ||
    summary.targets.some(failedRun);
  if (anyFailed) throw new TargetsFailedError(summary);
  return summary;
}
