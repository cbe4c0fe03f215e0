/**
 * Auto Scaling groups as a kind of scheduled resource (`run/kind.ts`): the groups tagged
 * `<tagKey>=<schedule>` (the group's own tag, whatever PropagateAtLaunch says), listed with
 * `DescribeAutoScalingGroups` and a `tag:` filter, planned (`plan.ts`), then scaled one call each:
 * a stop writes the size tag first (and the audit tag), then sets MinSize 0 and DesiredCapacity
 * 0; a start restores the saved size, then is verified (`verify.ts`). Groups are few and each takes
 * one or two calls, so a run acts on all of them before its instances and a follow-up state
 * carries none: what the deadline leaves is reported as failed, for the next schedule to retry.
 */
import {
  type AutoScalingGroup,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { auditTagKey, auditTagValue, sizeTagKey } from '../../lib/common/shared-names';
import type { RunContext } from '../run/context';
import { describeError, isAbort } from '../run/errors';
import type { ActEnd, KindWork, Pending, Prepared, ResourceKind } from '../run/kind';
import type { AutoScalingRunDeps } from './clients';
import { ownedByEks, type Plan, planFor } from './plan';
import { fallbackReason, formatSize, type GroupSize } from './size';
import { MIN_VERIFY_MS, verifyGroups } from './verify';

const GROUP = 'auto-scaling-group' as const;

/**
 * Groups scaled at once. Auto Scaling throttles per account and Region with one bucket and no
 * published rate; five in flight keep latency from setting the pace (500 groups: see
 * BENCHMARKS.md), and the adaptive retry slows down when throttled.
 */
export const GROUP_CONCURRENCY = 5;

/** Auto Scaling groups tagged `<tagKey>=<schedule>`, scaled to zero and back. */
export const autoScalingGroups: ResourceKind<AutoScalingRunDeps> = {
  minVerifyMs: MIN_VERIFY_MS,
  carried: () => undefined,
  open: (ctx) => new GroupWork(ctx),
};

type Ctx = RunContext<AutoScalingRunDeps>;

class GroupWork implements KindWork {
  private queue: { name: string; plan: Plan & { kind: 'stop' | 'start' } }[] = [];

  constructor(private readonly ctx: Ctx) {}

  async prepare(): Promise<Prepared> {
    const { record, deps, event } = this.ctx;
    let listed: AutoScalingGroup[];
    try {
      listed = await listGroups(this.ctx);
    } catch (err) {
      if (isAbort(err)) return { listed: true, cutShort: true };
      return { listed: true, cutShort: false, error: describeError(err) };
    }
    for (const g of listed) {
      const name = g.AutoScalingGroupName ?? '';
      const plan = ownedByEks(this.ctx, g) ?? planFor(this.ctx, g);
      if (plan.kind === 'skip') {
        record.record({
          instanceId: name,
          resource: GROUP,
          outcome: 'skipped',
          reason: plan.reason,
        });
        if (plan.warn)
          deps.logger.warn('group left alone', {
            schedule: event.schedule,
            group: name,
            reason: plan.reason,
          });
      } else if (plan.kind === 'fail') {
        record.record({
          instanceId: name,
          resource: GROUP,
          outcome: 'failed',
          errorCode: plan.errorCode,
          errorMessage: plan.message,
        });
      } else this.queue.push({ name, plan });
    }
    return { listed: true, cutShort: false };
  }

  /**
   * Scales the queued groups, `GROUP_CONCURRENCY` at a time (each group's calls in order), until
   * done, the window closes or the run's time is short; what is left stays queued.
   */
  async act(notAfter: Date): Promise<ActEnd> {
    const { clock, budget } = this.ctx;
    let end: ActEnd = 'done';
    const worker = async () => {
      while (this.queue.length > 0 && end === 'done') {
        if (clock.now() >= notAfter.getTime()) end = 'windowClosed';
        else if (!budget.fits(2, true)) end = 'deadline';
        else {
          const { name, plan } = this.queue.shift()!;
          await this.scale(name, plan);
        }
      }
    };
    await Promise.all(Array.from({ length: GROUP_CONCURRENCY }, worker));
    return end;
  }

  dryRun(): void {
    for (const { name, plan } of this.queue.splice(0)) {
      const to = plan.kind === 'stop' ? { ...plan.from, min: 0, desired: 0 } : plan.to;
      const fallback = plan.kind === 'start' && plan.fallback;
      this.ctx.record.record({
        instanceId: name,
        resource: GROUP,
        outcome: plan.kind === 'stop' ? 'stopped' : 'started',
        size: formatSize(to),
        reason: `dry run: would scale to ${formatSize(to)}${fallback ? ` (${fallbackReason(this.ctx.event.tagKey, to)})` : ''}`,
      });
    }
  }

  verify(): Promise<void> {
    return verifyGroups(this.ctx);
  }

  takePending(): Pending {
    const ids = this.queue.splice(0).map((q) => q.name);
    // A follow-up carries instances only: a group not reached fails here, for the next run.
    this.ctx.record.failAll(
      ids,
      'NotReached',
      "the run's time ran out before the group was scaled",
      GROUP,
    );
    return { ids: [], carry: {} };
  }

  /** Stops (size tag first) or starts one group, and records the outcome. */
  private async scale(name: string, plan: Plan & { kind: 'stop' | 'start' }): Promise<void> {
    const { deps, budget, event, record, clock } = this.ctx;
    const to: GroupSize = plan.kind === 'stop' ? { ...plan.from, min: 0, desired: 0 } : plan.to;
    const verb = plan.kind === 'stop' ? 'stopped' : 'started';
    const tags = [
      ...(plan.kind === 'stop' ? [[sizeTagKey(event.tagKey), formatSize(plan.from)]] : []),
      ...(event.auditTags
        ? [[auditTagKey(event.tagKey), auditTagValue(verb, clock.now(), event.schedule)]]
        : []),
    ];
    try {
      // The size is saved before the group is scaled in: a failed tag write leaves it as it is.
      if (plan.kind === 'stop') await this.tag(name, tags);
      await budget.call((o) =>
        deps.autoScaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: name,
            MinSize: to.min,
            DesiredCapacity: to.desired,
            MaxSize: to.max,
          }),
          o,
        ),
      );
      if (plan.kind === 'start' && tags.length > 0)
        await this.tag(name, tags).catch(() => undefined);
      const fallback = plan.kind === 'start' && plan.fallback;
      if (fallback) {
        deps.logger.info('group started with the fallback size', {
          schedule: event.schedule,
          group: name,
          size: formatSize(to),
        });
      }
      record.record({
        instanceId: name,
        resource: GROUP,
        outcome: verb,
        size: formatSize(to),
        ...(fallback ? { reason: fallbackReason(event.tagKey, to) } : {}),
      });
      if (event.auditTags) record.tagged.add(name);
    } catch (err) {
      const e = describeError(err);
      record.record({
        instanceId: name,
        resource: GROUP,
        outcome: 'failed',
        errorCode: e.errorCode,
        errorMessage: e.message,
      });
    }
  }

  private async tag(name: string, tags: string[][]): Promise<void> {
    await this.ctx.budget.call((o) =>
      this.ctx.deps.autoScaling.send(
        new CreateOrUpdateTagsCommand({
          Tags: tags.map(([Key, Value]) => ({
            ResourceId: name,
            ResourceType: GROUP,
            Key,
            Value,
            PropagateAtLaunch: false,
          })),
        }),
        o,
      ),
    );
  }
}

/** Every group carrying the schedule's tag, 100 a page, each page within the budget. */
async function listGroups(ctx: Ctx): Promise<AutoScalingGroup[]> {
  const { deps, event, budget } = ctx;
  const out: AutoScalingGroup[] = [];
  let NextToken: string | undefined;
  do {
    const page = await budget.call((o) =>
      deps.autoScaling.send(
        new DescribeAutoScalingGroupsCommand({
          Filters: [{ Name: `tag:${event.tagKey}`, Values: [event.schedule] }],
          IncludeInstances: false,
          MaxRecords: 100,
          NextToken,
        }),
        o,
      ),
    );
    out.push(...(page.AutoScalingGroups ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}
