/**
 * Scaling one node group: a stop writes the size tag (and the audit tag) first, then asks for
 * minSize 0 and desiredSize 0 (maxSize is not sent, so EKS keeps it: it refuses 0); a start asks
 * for the saved three values, then writes the audit tag. The update's id is returned for
 * following; `ResourceInUseException` (an update already in progress) is returned as `busy`,
 * for the node group to be waited for, not failed.
 */
import { TagResourceCommand, UpdateNodegroupConfigCommand } from '@aws-sdk/client-eks';
import { auditTagKey, auditTagValue, sizeTagKey } from '../../lib/common/shared-names';
import { formatSize, type GroupSize } from '../auto-scaling/size';
import type { RunContext } from '../run/context';
import { describeError } from '../run/errors';
import type { EksRunDeps } from './clients';
import type { NodegroupRef } from './list';

export const NODEGROUP = 'eks-nodegroup' as const;

/** What scaling one node group came to. */
export type Scaled =
  | { readonly kind: 'updated'; readonly updateId: string; readonly size: GroupSize }
  | { readonly kind: 'busy' }
  | { readonly kind: 'failed'; readonly errorCode: string; readonly message: string };

/** Scales `ng` (its ARN for the tags) to zero from `from`, or back to `to`. */
export async function scaleNodegroup(
  ctx: RunContext<EksRunDeps>,
  ng: NodegroupRef & { readonly arn: string },
  plan:
    | { readonly kind: 'stop'; readonly from: GroupSize }
    | { readonly kind: 'start'; readonly to: GroupSize },
): Promise<Scaled> {
  const { deps, budget, event, clock } = ctx;
  const verb = plan.kind === 'stop' ? 'stopped' : 'started';
  const audit: Record<string, string> = event.auditTags
    ? {
        [auditTagKey(event.tagKey)]: auditTagValue(verb, clock.now(), event.schedule),
      }
    : {};
  const tag = (tags: Record<string, string>) =>
    budget.call((o) => deps.eks.send(new TagResourceCommand({ resourceArn: ng.arn, tags }), o));
  const size = plan.kind === 'stop' ? { ...plan.from, min: 0, desired: 0 } : plan.to;
  try {
    // The size is saved before the node group is scaled in: a failed tag write leaves it as it is.
    if (plan.kind === 'stop')
      await tag({ [sizeTagKey(event.tagKey)]: formatSize(plan.from), ...audit });
    const scalingConfig =
      plan.kind === 'stop'
        ? { minSize: 0, desiredSize: 0 }
        : { minSize: size.min, desiredSize: size.desired, maxSize: size.max };
    const out = await budget.call((o) =>
      deps.eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: ng.clusterName,
          nodegroupName: ng.nodegroupName,
          scalingConfig,
        }),
        o,
      ),
    );
    if (plan.kind === 'start' && event.auditTags) await tag(audit).catch(() => undefined);
    return { kind: 'updated', updateId: out.update?.id ?? '', size };
  } catch (err) {
    const e = describeError(err);
    if (e.errorCode === 'ResourceInUseException') return { kind: 'busy' };
    return { kind: 'failed', errorCode: e.errorCode, message: e.message };
  }
}
