/**
 * Which listed instances a run leaves alone, each with its reason, and how the rest are grouped:
 * members of an Auto Scaling group (the group would replace them), and on stop spot instances and
 * instance-store roots; on stop with `hibernate`, instances configured for it are hibernated.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { Batch, batchesOf } from './batches';
import type { RunContext } from './context';

const ASG_TAG = 'aws:autoscaling:groupName';

/**
 * Applies the skip rules (recording each skipped instance), notes each instance's placement, and
 * groups the rest into batches: hibernating stops first, then plain ones.
 */
export function sortInstances(ctx: RunContext, instances: readonly Instance[]): Batch[] {
  const stop = ctx.event.action === 'stop';
  const plain: string[] = [];
  const hibernate: string[] = [];
  for (const instance of instances) {
    const instanceId = instance.InstanceId as string;
    ctx.placement.set(instanceId, {
      type: instance.InstanceType,
      zone: instance.Placement?.AvailabilityZone,
    });
    const skip = (reason: string) => ctx.record.record({ instanceId, outcome: 'skipped', reason });
    if (instance.Tags?.some((t) => t.Key === ASG_TAG)) {
      skip('member of an Auto Scaling group, which would replace it');
    } else if (stop && instance.InstanceLifecycle === 'spot') {
      skip('spot instance');
    } else if (stop && instance.RootDeviceType === 'instance-store') {
      skip('instance-store root volume, which cannot be stopped');
    } else if (stop && ctx.event.hibernate && instance.HibernationOptions?.Configured) {
      hibernate.push(instanceId);
    } else {
      plain.push(instanceId);
    }
  }
  return [...batchesOf(hibernate, true), ...batchesOf(plain, false)];
}
