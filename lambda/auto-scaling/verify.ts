/**
 * Verified group starts: after a start restores a group's size, follow the group until as many
 * of its instances are InService as its desired capacity, or the verify timeout. Each look also
 * reads the group's scaling activities since the start: a Failed or Cancelled one (a launch
 * template that fails, no capacity, a KMS key the service-linked role may not use) fails the
 * group with its StatusMessage, instead of leaving it "started".
 */
import {
  type Activity,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
} from '@aws-sdk/client-auto-scaling';
import type { RunContext } from '../run/context';
import { describeError, logAttributes } from '../run/errors';
import type { AutoScalingRunDeps } from './clients';

/** First look after this long, then 1.5 times longer each time, up to MAX_POLL_MS. */
const FIRST_POLL_MS = 2000;
const MAX_POLL_MS = 10_000;
/** Verification is kept time for only when it holds a look and its calls. */
export const MIN_VERIFY_MS = FIRST_POLL_MS + 500;
/** Most names one DescribeAutoScalingGroups call takes by default. */
const NAMES_PER_CALL = 50;

type Ctx = RunContext<AutoScalingRunDeps>;

export async function verifyGroups(ctx: Ctx): Promise<void> {
  const { event, budget, clock, record, deps } = ctx;
  const seconds = event.verifyTimeoutSeconds ?? 0;
  if (event.action !== 'start' || seconds <= 0) return;
  const started = record
    .all()
    .filter((r) => r.resource === 'auto-scaling-group' && r.outcome === 'started');
  if (started.length === 0) return;
  const since = clock.now() - 60_000;
  const waiting = new Map(started.map((r) => [r.instanceId, r]));
  const until = Math.min(
    clock.now() + seconds * 1000,
    clock.now() + budget.timeLeft() - budget.callEstimateMs,
  );
  let delay = FIRST_POLL_MS;
  let waitedMs = 0;
  try {
    while (waiting.size > 0 && clock.now() + delay + budget.callEstimateMs * 2 <= until) {
      await clock.sleep(delay);
      waitedMs += delay;
      delay = Math.min(MAX_POLL_MS, delay * 1.5);
      await look(ctx, waiting, since);
    }
  } catch (err) {
    deps.logger.warn(
      'group verification stopped; the groups not yet seen InService stay unverified',
      {
        schedule: event.schedule,
        ...logAttributes(describeError(err)),
      },
    );
  }
  for (const r of waiting.values()) {
    record.record({
      ...r,
      verified: false,
      reason: `instances not all InService after ${Math.round(waitedMs / 1000)} s`,
    });
  }
}

/** One look at the groups still waited for: those InService are verified, those failed fail. */
async function look(
  ctx: Ctx,
  waiting: Map<string, ReturnType<Ctx['record']['all']>[number]>,
  since: number,
): Promise<void> {
  const { deps, budget, record } = ctx;
  const names = [...waiting.keys()];
  for (let k = 0; k < names.length; k += NAMES_PER_CALL) {
    const out = await budget.call((o) =>
      deps.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({
          AutoScalingGroupNames: names.slice(k, k + NAMES_PER_CALL),
        }),
        o,
      ),
    );
    for (const g of out.AutoScalingGroups ?? []) {
      const name = g.AutoScalingGroupName ?? '';
      const r = waiting.get(name);
      if (!r) continue;
      const inService = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length;
      if (inService >= (g.DesiredCapacity ?? 0)) {
        record.record({ ...r, verified: true });
        waiting.delete(name);
        continue;
      }
      const failed = await failedActivity(ctx, name, since);
      if (failed) {
        record.record({
          instanceId: name,
          resource: 'auto-scaling-group',
          outcome: 'failed',
          errorCode: `ScalingActivity${failed.StatusCode ?? 'Failed'}`,
          errorMessage: failed.StatusMessage ?? failed.Description ?? 'a scaling activity failed',
        });
        waiting.delete(name);
      }
    }
  }
}

/** The group's newest Failed or Cancelled scaling activity begun after `since`, if any. */
async function failedActivity(
  ctx: Ctx,
  name: string,
  since: number,
): Promise<Activity | undefined> {
  const out = await ctx.budget.call((o) =>
    ctx.deps.autoScaling.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 20 }),
      o,
    ),
  );
  return (out.Activities ?? []).find(
    (a) =>
      (a.StatusCode === 'Failed' || a.StatusCode === 'Cancelled') &&
      (a.StartTime?.getTime() ?? 0) >= since,
  );
}
