/**
 * What a run does to one node group, decided from the node group as EKS describes it: the same
 * rules as for an Auto Scaling group (`auto-scaling/plan.ts`, applied to the node group's
 * scaling config and tags), so a stop saves `min,desired,max` and scales to zero (one already at
 * zero is left, its saved size kept), a start restores the saved size, and a missing, malformed or
 * overtaken saved size is reported, never guessed; an override holds the node group. Besides: a
 * node group with an update in progress (UPDATING, or CREATING) is waited for; one being deleted
 * or that failed to be created is left alone; one whose schedule tag is gone is left alone.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Nodegroup } from '@aws-sdk/client-eks';
import { type Plan, planFor } from '../auto-scaling/plan';
import type { RunContext } from '../run/context';

/** A node group's fate in this run: an Auto Scaling group's, or a wait for its update. */
export type NodegroupPlan = Plan | { readonly kind: 'wait'; readonly status: string };

/** Statuses in which EKS takes no update now but will: waited for. */
const BUSY = new Set(['UPDATING', 'CREATING']);
/** Statuses in which the node group is leaving or never came: left alone. */
const GONE = new Set(['DELETING', 'DELETE_FAILED', 'CREATE_FAILED']);

export function planNodegroup(ctx: RunContext, ng: Nodegroup, id: string): NodegroupPlan {
  const status = ng.status ?? 'ACTIVE';
  if (ng.tags?.[ctx.event.tagKey] !== ctx.event.schedule) {
    return { kind: 'skip', reason: `no longer tagged ${ctx.event.tagKey}=${ctx.event.schedule}` };
  }
  if (GONE.has(status)) return { kind: 'skip', reason: `node group ${status}`, warn: true };
  if (BUSY.has(status)) return { kind: 'wait', status };
  return planFor(ctx, asGroup(ng, id));
}

/**
 * The node group in the shape the Auto Scaling rules read: the name, the three sizes and the tags,
 * which is all `planFor` reads (the cast leaves out the group fields it never looks at).
 */
function asGroup(ng: Nodegroup, id: string): AutoScalingGroup {
  const s = ng.scalingConfig ?? {};
  return {
    AutoScalingGroupName: id,
    MinSize: s.minSize ?? 0,
    DesiredCapacity: s.desiredSize ?? 0,
    MaxSize: s.maxSize ?? 0,
    Tags: Object.entries(ng.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  } as AutoScalingGroup;
}
