/**
 * EKS managed node groups as a kind of scheduled resource (`run/kind.ts`): the node groups tagged
 * `<tagKey>=<schedule>`, found with the Tagging API (`list.ts`), planned (`plan.ts`) and scaled
 * through EKS, never through the Auto Scaling group EKS owns (`scale.ts`). A node group with an
 * update in progress is not failed: it is waited for while the other kinds act and verify, then
 * scaled, or deferred with its reason when the run's time ends first; every update is followed
 * with DescribeUpdate until Successful, a Failed one failing the node group with its errors
 * (`follow.ts`). Like groups, node groups are few: a follow-up state carries none of them.
 */
import type { RunContext } from '../run/context';
import { describeError, isAbort } from '../run/errors';
import type { ActEnd, KindWork, Pending, Prepared, ResourceKind } from '../run/kind';
import { fallbackReason, formatSize } from '../auto-scaling/size';
import type { EksRunDeps } from './clients';
import { followUpdates, MIN_FOLLOW_MS, type Waited } from './follow';
import { describe, idOf, listTagged, type NodegroupRef } from './list';
import { type NodegroupPlan, planNodegroup } from './plan';
import { NODEGROUP, scaleNodegroup } from './scale';

/** EKS managed node groups tagged `<tagKey>=<schedule>`, scaled to zero and back through EKS. */
export const nodeGroups: ResourceKind<EksRunDeps> = {
  minVerifyMs: MIN_FOLLOW_MS,
  carried: () => undefined,
  open: (ctx) => new NodegroupWork(ctx),
};

type Ctx = RunContext<EksRunDeps>;
type Acting = Extract<NodegroupPlan, { kind: 'stop' | 'start' }>;

/** A node group planned for scaling, as found. */
export interface Queued extends NodegroupRef {
  readonly id: string;
  readonly arn: string;
  readonly plan: Acting;
}

class NodegroupWork implements KindWork {
  private queue: Queued[] = [];
  /** Node groups with an update in progress, waited for (by id). */
  private readonly busy = new Map<string, NodegroupRef & { readonly id: string }>();
  /** Updates this run began, followed until they end (by node-group id). */
  private readonly updates = new Map<string, Waited>();
  private notAfter = new Date(8.64e15);

  constructor(private readonly ctx: Ctx) {}

  async prepare(): Promise<Prepared> {
    try {
      for (const ref of await listTagged(this.ctx)) {
        const q = await this.take(ref);
        if (q) this.queue.push(q);
      }
    } catch (err) {
      if (isAbort(err)) return { listed: true, cutShort: true };
      return { listed: true, cutShort: false, error: describeError(err) };
    }
    return { listed: true, cutShort: false };
  }

  async act(notAfter: Date): Promise<ActEnd> {
    const { clock, budget } = this.ctx;
    this.notAfter = notAfter;
    while (this.queue.length > 0) {
      if (clock.now() >= notAfter.getTime()) return 'windowClosed';
      if (!budget.fits(3, true)) return 'deadline';
      await this.scale(this.queue[0]);
      this.queue.shift();
    }
    return 'done';
  }

  dryRun(): void {
    const waiting = [...this.busy.values()].map((b) => ({ ...b, waits: true }));
    for (const q of [...this.queue.splice(0), ...waiting]) {
      const plan = 'plan' in q ? q.plan : undefined;
      const to = plan && (plan.kind === 'stop' ? { ...plan.from, min: 0, desired: 0 } : plan.to);
      this.ctx.record.record({
        instanceId: q.id,
        resource: NODEGROUP,
        outcome: plan ? (plan.kind === 'stop' ? 'stopped' : 'started') : 'deferred',
        ...(to
          ? { size: formatSize(to), reason: `dry run: would scale to ${formatSize(to)}` }
          : {}),
        ...(plan ? {} : { reason: 'dry run: would wait for the update in progress, then scale' }),
      });
    }
    this.busy.clear();
  }

  verify(): Promise<void> {
    return followUpdates(this.ctx, {
      busy: this.busy,
      updates: this.updates,
      notAfter: this.notAfter,
      retake: async (ref) => {
        const q = await this.take(ref);
        if (q) await this.scale(q);
      },
    });
  }

  takePending(): Pending {
    const ids = this.queue.splice(0).map((q) => q.id);
    // A follow-up carries instances only: a node group not reached fails here, for the next run.
    this.ctx.record.failAll(
      ids,
      'NotReached',
      "the run's time ran out before the node group was scaled",
      NODEGROUP,
    );
    for (const b of this.busy.values()) {
      this.ctx.record.record({
        instanceId: b.id,
        resource: NODEGROUP,
        outcome: 'deferred',
        reason: `an update already in progress did not end within the run; not scaled (the next ${this.ctx.event.action} scales it, or scale it by hand)`,
      });
    }
    this.busy.clear();
    return { ids: [], carry: {} };
  }

  /**
   * Describes a node group and plans it: returns it when it is to be scaled; else waits for it
   * (kept busy) or records it (skipped, failed).
   */
  private async take(ref: NodegroupRef): Promise<Queued | undefined> {
    const { record, deps, event } = this.ctx;
    const id = idOf(ref);
    const ng = await describe(this.ctx, ref);
    const plan = planNodegroup(this.ctx, ng, id);
    if (plan.kind === 'wait') {
      this.busy.set(id, { ...ref, id });
      return undefined;
    }
    this.busy.delete(id);
    if (plan.kind === 'skip') {
      record.record({
        instanceId: id,
        resource: NODEGROUP,
        outcome: 'skipped',
        reason: plan.reason,
      });
      if (plan.warn)
        deps.logger.warn('node group left alone', {
          schedule: event.schedule,
          nodegroup: id,
          reason: plan.reason,
        });
    } else if (plan.kind === 'fail') {
      record.record({
        instanceId: id,
        resource: NODEGROUP,
        outcome: 'failed',
        errorCode: plan.errorCode,
        errorMessage: plan.message,
      });
    } else {
      return { ...ref, id, arn: ng.nodegroupArn ?? '', plan };
    }
    return undefined;
  }

  /** Scales one queued node group and records it: updated (followed), busy (waited for), failed. */
  private async scale(q: Queued): Promise<void> {
    const { record, event } = this.ctx;
    const done = await scaleNodegroup(this.ctx, q, q.plan);
    if (done.kind === 'busy') {
      this.busy.set(q.id, { clusterName: q.clusterName, nodegroupName: q.nodegroupName, id: q.id });
      return;
    }
    if (done.kind === 'failed') {
      record.record({
        instanceId: q.id,
        resource: NODEGROUP,
        outcome: 'failed',
        errorCode: done.errorCode,
        errorMessage: done.message,
      });
      return;
    }
    const fallback = q.plan.kind === 'start' && q.plan.fallback;
    if (fallback) {
      this.ctx.deps.logger.info('node group started with the fallback size', {
        schedule: event.schedule,
        nodegroup: q.id,
        size: formatSize(done.size),
      });
    }
    const result = {
      instanceId: q.id,
      resource: NODEGROUP,
      outcome: q.plan.kind === 'stop' ? ('stopped' as const) : ('started' as const),
      size: formatSize(done.size),
      ...(fallback ? { reason: fallbackReason(event.tagKey, done.size) } : {}),
    };
    record.record(result);
    if (event.auditTags) record.tagged.add(q.id);
    this.updates.set(q.id, { ...q, updateId: done.updateId, result });
  }
}
