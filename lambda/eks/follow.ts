/**
 * After a run acted: node groups that had an update in progress are looked at again until EKS
 * takes an update (then scaled), within the run's time and before the window's end; and every
 * update the run began is followed with DescribeUpdate until it ends, for the verify timeout (a
 * stop's event carries none: two minutes). Successful: verified. Failed or Cancelled: the node
 * group fails with the update's errors, instead of staying "stopped" or "started".
 */
import { DescribeUpdateCommand, type Update } from '@aws-sdk/client-eks';
import type { RunContext } from '../run/context';
import { describeError, logAttributes } from '../run/errors';
import type { InstanceResult } from '../run/record';
import type { EksRunDeps } from './clients';
import type { NodegroupRef } from './list';

/** First look after this long, then 1.5 times longer each time, up to MAX_POLL_MS. */
const FIRST_POLL_MS = 2000;
const MAX_POLL_MS = 10_000;
/** How long a stop's updates are followed (a stop's event has no verify timeout). */
const STOP_FOLLOW_S = 120;
/** Following is kept time for only when it holds a look and its calls. */
export const MIN_FOLLOW_MS = FIRST_POLL_MS + 500;

/** An update the run began on a node group, and the node group's outcome so far. */
export interface Waited extends NodegroupRef {
  readonly id: string;
  readonly updateId: string;
  readonly result: InstanceResult;
}

/** What following works on; `retake` describes, plans and scales a busy node group again. */
export interface Following {
  readonly busy: Map<string, NodegroupRef & { readonly id: string }>;
  readonly updates: Map<string, Waited>;
  readonly notAfter: Date;
  readonly retake: (ref: NodegroupRef) => Promise<void>;
}

export async function followUpdates(ctx: RunContext<EksRunDeps>, f: Following): Promise<void> {
  const { event, budget, clock, record, deps } = ctx;
  const t0 = clock.now();
  const followUntil = t0 + (event.verifyTimeoutSeconds ?? STOP_FOLLOW_S) * 1000;
  const until = Math.min(f.notAfter.getTime(), t0 + budget.timeLeft() - budget.callEstimateMs);
  let delay = FIRST_POLL_MS;
  try {
    while (f.busy.size > 0 || f.updates.size > 0) {
      const at = clock.now() + delay;
      if (at + budget.callEstimateMs * 2 > until) break;
      if (f.busy.size === 0 && at > followUntil) break;
      await clock.sleep(delay);
      delay = Math.min(MAX_POLL_MS, delay * 1.5);
      for (const ref of [...f.busy.values()]) await f.retake(ref);
      if (clock.now() <= followUntil) await look(ctx, f.updates);
    }
  } catch (err) {
    deps.logger.warn(
      'node-group updates no longer followed; those not seen Successful stay unverified',
      {
        schedule: event.schedule,
        ...logAttributes(describeError(err)),
      },
    );
  }
  const waited = Math.round((clock.now() - t0) / 1000);
  for (const w of f.updates.values()) {
    record.record({
      ...w.result,
      verified: false,
      reason: `update ${w.updateId} not ended after ${waited} s`,
    });
  }
  f.updates.clear();
}

/** One look at each update still followed: Successful verifies it, Failed or Cancelled fails it. */
async function look(ctx: RunContext<EksRunDeps>, updates: Map<string, Waited>): Promise<void> {
  const { deps, budget, record } = ctx;
  for (const w of [...updates.values()]) {
    const { update } = await budget.call((o) =>
      deps.eks.send(
        new DescribeUpdateCommand({
          name: w.clusterName,
          nodegroupName: w.nodegroupName,
          updateId: w.updateId,
        }),
        o,
      ),
    );
    const status = update?.status ?? 'InProgress';
    if (status === 'InProgress') continue;
    updates.delete(w.id);
    if (status === 'Successful') {
      record.record({ ...w.result, verified: true });
    } else {
      record.record({
        instanceId: w.id,
        resource: w.result.resource,
        outcome: 'failed',
        errorCode: `NodegroupUpdate${status}`,
        errorMessage: messageOf(update, w.updateId),
      });
    }
  }
}

function messageOf(update: Update | undefined, id: string): string {
  const errors = (update?.errors ?? []).map((e) =>
    `${e.errorCode ?? 'Error'}: ${e.errorMessage ?? ''}`.trim(),
  );
  return `update ${id} ${update?.status ?? 'Failed'}${errors.length ? `: ${errors.join('; ')}` : ''}`;
}
