/**
 * Which listed instances a run leaves alone, each with its reason, and how the rest are grouped:
 * members of an EKS managed node group or of an Auto Scaling group (EKS or the group would replace
 * them), instances whose override tag holds them in their state, and on stop spot instances and
 * instance-store roots; on stop with `hibernate`, instances configured for it are hibernated;
 * instances on their way into the state the action applies to are waited for (and judged again
 * once they are there).
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { EKS_NODEGROUP_TAG } from '../../lib/common/shared-names';
import { formatOverride, judgeOverride, overrideTagKey } from '../../lib/schedule/override';
import { Batch, batchesOf } from './batch';
import { type Ec2Context, transitFor } from './context';

const ASG_TAG = 'aws:autoscaling:groupName';
/** EKS tags a managed node group's instances with it; EKS owns (and would replace) them. */

/**
 * Applies the skip rules (recording each skipped instance), notes each instance's placement, puts
 * those in transit among the instances waited for, and groups the rest into batches listed at
 * `listedAt`: hibernating stops first, then plain ones.
 */
export function sortInstances(
  ctx: Ec2Context,
  instances: readonly Instance[],
  listedAt: number,
): Batch[] {
  const stop = ctx.event.action === 'stop';
  const transit = transitFor(ctx.event);
  const plain: string[] = [];
  const hibernate: string[] = [];
  for (const instance of instances) {
    const instanceId = instance.InstanceId as string;
    ctx.placement.set(instanceId, {
      type: instance.InstanceType,
      zone: instance.Placement?.AvailabilityZone,
    });
    const skip = (reason: string) => ctx.record.record({ instanceId, outcome: 'skipped', reason });
    const held = heldBy(ctx, instance);
    if (instance.Tags?.some((t) => t.Key === EKS_NODEGROUP_TAG)) {
      skip('member of an EKS managed node group, scheduled through EKS only');
    } else if (instance.Tags?.some((t) => t.Key === ASG_TAG)) {
      skip('member of an Auto Scaling group, which would replace it');
    } else if (held) {
      skip(held);
    } else if (stop && instance.InstanceLifecycle === 'spot') {
      skip('spot instance');
    } else if (stop && instance.RootDeviceType === 'instance-store') {
      skip('instance-store root volume, which cannot be stopped');
    } else if (instance.State?.Name === transit) {
      ctx.waiting.add(instanceId);
      ctx.record.inTransit.add(instanceId);
    } else if (stop && ctx.event.hibernate && instance.HibernationOptions?.Configured) {
      hibernate.push(instanceId);
    } else {
      plain.push(instanceId);
    }
  }
  return [...batchesOf(hibernate, true, listedAt), ...batchesOf(plain, false, listedAt)];
}

/**
 * The skip reason when the instance's override tag holds it in the state this run would change
 * (`override: running until ...` on a stop); else undefined. A malformed override, or one
 * reaching further than maxOverride, is ignored with a warning: the schedule applies.
 */
function heldBy(ctx: Ec2Context, instance: Instance): string | undefined {
  const key = overrideTagKey(ctx.event.tagKey);
  const value = instance.Tags?.find((t) => t.Key === key)?.Value;
  if (value === undefined) return undefined;
  const instanceId = instance.InstanceId as string;
  const { event, input, clock, record } = ctx;
  const verdict = judgeOverride(value, event.timeZone, new Date(clock.now()), input.maxOverrideMs);
  if (verdict.status === 'ignored') {
    if (!record.overridesIgnored.has(instanceId)) {
      record.overridesIgnored.add(instanceId);
      ctx.deps.logger.warn('override ignored', {
        schedule: event.schedule,
        instanceId,
        tag: key,
        value,
        why: verdict.why,
      });
    }
    return undefined;
  }
  const holds = event.action === 'stop' ? 'running' : 'stopped';
  return verdict.status === 'active' && verdict.override.state === holds
    ? `override: ${formatOverride(verdict.override)}`
    : undefined;
}
