/**
 * How a fake group moves toward its desired capacity: Pending members go InService (`running`)
 * and Terminating ones go (`terminated`) when their time comes; then it launches what is missing
 * (or records a Failed activity once per desired capacity, when its launches fail) and
 * terminates what is over, newest first. Each launch and termination is an activity.
 */
import { type GroupWorld, iso, type ModelGroup } from './groups';

/** Looks at `g`'s capacity now; `cause` says why, when a request changed it. */
export function reconcile(model: GroupWorld, g: ModelGroup, cause?: string): void {
  const now = model.time();
  settleMembers(model, g, now);
  const live = g.members.filter((m) => m.lifecycle !== 'Terminating');
  const why =
    cause ??
    `At ${iso(now)} an instance was started in response to a difference between desired and actual capacity.`;
  if (live.length < g.desiredCapacity)
    launchMissing(model, g, g.desiredCapacity - live.length, why);
  for (const m of live.slice(g.desiredCapacity).reverse()) {
    m.lifecycle = 'Terminating';
    m.settleAt = now + model.terminateMs;
    model.ec2.updateInstance(m.instanceId, { state: 'shutting-down' });
    model.startActivity({
      groupName: g.name,
      description: `Terminating EC2 instance: ${m.instanceId}`,
      cause: `${why} At ${iso(now)} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${live.length} to ${g.desiredCapacity}.`,
      statusCode: 'InProgress',
      instanceId: m.instanceId,
    });
  }
  if (model.launchMs === 0 || model.terminateMs === 0) settleMembers(model, g, now);
}

function launchMissing(model: GroupWorld, g: ModelGroup, n: number, why: string): void {
  const now = model.time();
  if (g.launchFailure !== undefined) {
    if (g.failedFor === g.desiredCapacity) return;
    g.failedFor = g.desiredCapacity;
    model.startActivity({
      groupName: g.name,
      description: 'Launching a new EC2 instance.  Status Reason: ' + g.launchFailure,
      cause: why,
      statusCode: 'Failed',
      statusMessage: g.launchFailure,
    });
    return;
  }
  for (let k = 0; k < n; k++) {
    const instanceId = model.launch(g, 'pending');
    g.members.push({ instanceId, lifecycle: 'Pending', settleAt: now + model.launchMs });
    model.startActivity({
      groupName: g.name,
      description: `Launching a new EC2 instance: ${instanceId}`,
      cause: why,
      statusCode: 'InProgress',
      instanceId,
    });
  }
}

function settleMembers(model: GroupWorld, g: ModelGroup, now: number): void {
  for (const m of [...g.members]) {
    if (m.lifecycle === 'InService' || now < m.settleAt) continue;
    if (m.lifecycle === 'Pending') {
      m.lifecycle = 'InService';
      model.ec2.updateInstance(m.instanceId, { state: 'running' });
    } else {
      g.members.splice(g.members.indexOf(m), 1);
      model.ec2.updateInstance(m.instanceId, { state: 'terminated' });
    }
    const activity = model.activities.find(
      (a) => a.instanceId === m.instanceId && a.statusCode === 'InProgress',
    );
    if (activity)
      Object.assign(activity, { statusCode: 'Successful', progress: 100, endTime: now });
  }
}
