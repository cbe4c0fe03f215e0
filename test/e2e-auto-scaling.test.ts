/**
 * Auto Scaling groups end to end: the shipped start and stop bundles, run from the cloud assembly
 * with their schedules' own input, reach the loopback Auto Scaling (`AWS_ENDPOINT_URL_AUTO_SCALING`)
 * whose groups' members are instances of the loopback EC2 the same run lists.
 */
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import { findSchedule } from '../harness/assembly';
import type { AutoScalingEndpoint, GroupTag } from '../harness/autoscaling';
import { makeInstances, type Ec2Endpoint } from '../harness/ec2';
import type { Invocation } from '../harness/lambda-runtime';
import {
  E2eWorld,
  emfLines,
  ids,
  instanceLogs,
  MONDAY_MORNING,
  OFFICE,
  TAG,
  useE2eWorld,
} from './support/e2e';

// Every test forks the functions' execution environments; a verified start looks after 2 s.
jest.setTimeout(30_000);

let world: E2eWorld;
let ec2: Ec2Endpoint;
let asg: AutoScalingEndpoint;

useE2eWorld(
  (app) => {
    const stack = new Stack(app, 'E2eAutoScaling');
    const hours = { start: 'cron(0 8 ? * MON-FRI *)', stop: 'cron(0 17 ? * MON-FRI *)' };
    new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'America/New_York' }).addSchedule(
      'office-hours',
      hours,
    );
    new Ec2Scheduler(stack, 'DryRun', { timeZone: 'America/New_York', dryRun: true }).addSchedule(
      'dry-hours',
      hours,
    );
    return stack;
  },
  (started) => {
    world = started;
    ({ ec2, autoScaling: asg } = started);
  },
);

const SCHEDULED: GroupTag = { key: TAG, value: 'office-hours', propagateAtLaunch: true };
const SIZE = `${TAG}:size`;
const sizes = (name: string) => {
  const g = asg.group(name);
  return g && `${g.minSize},${g.desiredCapacity},${g.maxSize}`;
};
const tagOf = (name: string, key: string) => asg.group(name)?.tags.get(key)?.value;
/** The one log line of `name` (a group never gets a second line as an instance). */
const lineOf = (invocations: readonly Invocation[], name: string) => {
  const lines = instanceLogs(invocations).filter((l) => l.instanceId === name);
  expect(lines).toHaveLength(1);
  return lines[0];
};

/** Fires the schedule's stop (Monday 17:00 New York) or the next start (Tuesday 08:00). */
async function fire(action: 'start' | 'stop', schedule = 'office-hours', asyncRetries?: number) {
  const rt = world.runtime(undefined, undefined, {
    schedule,
    ...(asyncRetries !== undefined ? { asyncRetries } : {}),
  });
  const after = action === 'stop' ? MONDAY_MORNING : new Date('2026-11-30T23:00:00Z');
  const { invocations } = await world.fire(rt, findSchedule(world.stack, schedule, action), after);
  return invocations;
}

test('a group is stopped to zero with its size saved in <tagKey>:size, and started back to it (2,3,6), verified InService', async () => {
  asg.addGroup({ name: 'web', minSize: 2, desiredCapacity: 3, maxSize: 6, tags: [SCHEDULED] });

  const stop = await fire('stop');
  expect(stop.map((i) => i.error)).toEqual([undefined]);
  expect(tagOf('web', SIZE)).toBe('2,3,6');
  expect(sizes('web')).toBe('0,0,6');
  expect(asg.inService('web')).toEqual([]);
  expect(lineOf(stop, 'web')).toMatchObject({
    resource: 'auto-scaling-group',
    outcome: 'stopped',
    size: '0,0,6',
  });
  // Groups are counted apart from instances: the summary, and the metrics per schedule.
  expect(stop[0].result).toMatchObject({ groupsStopped: 1, stopped: 0, groupsFailed: 0 });
  expect(emfLines(stop)).toContainEqual(
    expect.objectContaining({ Schedule: 'office-hours', GroupsStopped: 1, InstancesStopped: 0 }),
  );
  // The size was written before the group was scaled in.
  expect(
    asg.requests.map((r) => r.action).filter((a) => a !== 'DescribeAutoScalingGroups'),
  ).toEqual(['CreateOrUpdateTags', 'UpdateAutoScalingGroup']);

  const start = await fire('start');
  expect(start.map((i) => i.error)).toEqual([undefined]);
  expect(sizes('web')).toBe('2,3,6');
  expect(asg.inService('web')).toHaveLength(3);
  expect(lineOf(start, 'web')).toMatchObject({
    resource: 'auto-scaling-group',
    outcome: 'started',
    size: '2,3,6',
    verified: true,
  });
  expect(start[0].result).toMatchObject({ groupsStarted: 1, started: 0, unverified: 0 });
  expect(emfLines(start)).toContainEqual(
    expect.objectContaining({ Schedule: 'office-hours', GroupsStarted: 1, InstancesStarted: 0 }),
  );
});

test('a group resized while stopped is reported and left as the person set it', async () => {
  asg.addGroup({ name: 'web', minSize: 2, desiredCapacity: 3, maxSize: 6, tags: [SCHEDULED] });
  await fire('stop');
  asg.resize('web', { desiredCapacity: 1 });
  asg.requests.length = 0;

  const start = await fire('start');
  expect(sizes('web')).toBe('0,1,6');
  expect(asg.calls('UpdateAutoScalingGroup')).toEqual([]);
  expect(lineOf(start, 'web')).toMatchObject({
    outcome: 'skipped',
    reason: expect.stringMatching(/^resized while stopped: now 0,1,6, saved 2,3,6; left as it is/),
  });
  expect(start.flatMap((i) => i.logs)).toContainEqual(
    expect.objectContaining({ level: 'WARN', message: 'group left alone', group: 'web' }),
  );
});

test("a failing launch is reported with its scaling activity's StatusMessage, not as started, and fails the invocation", async () => {
  const cause =
    'The specified launch template, with template ID lt-0123456789abcdef0, does not exist. Launching EC2 instance failed.';
  asg.addGroup({
    name: 'web',
    minSize: 0,
    desiredCapacity: 0,
    maxSize: 6,
    launchFailure: cause,
    tags: [SCHEDULED, { key: SIZE, value: '1,2,6' }],
  });

  const start = await fire('start', 'office-hours', 0);
  expect(start).toHaveLength(1);
  expect(lineOf(start, 'web')).toMatchObject({
    resource: 'auto-scaling-group',
    outcome: 'failed',
    errorCode: 'ScalingActivityFailed',
    errorMessage: cause,
  });
  expect(start[0].error?.message).toBe(
    '1 instance(s) or group(s) failed to start for schedule "office-hours": web (ScalingActivityFailed)',
  );
  // GroupsFailed per schedule, and with Action alone for the failure alarm.
  const emf = emfLines(start);
  expect(emf).toContainEqual(
    expect.objectContaining({ Schedule: 'office-hours', GroupsFailed: 1, InstancesFailed: 0 }),
  );
  expect(emf.filter((l) => !('Schedule' in l))).toEqual([
    expect.objectContaining({ Action: 'start', InstancesFailed: 0 }),
    expect.objectContaining({ Action: 'start', GroupsFailed: 1 }),
  ]);
  expect(asg.calls('DescribeScalingActivities').length).toBeGreaterThan(0);
});

test('an override tag on the group holds it through the stop', async () => {
  asg.addGroup({
    name: 'held',
    minSize: 1,
    desiredCapacity: 2,
    maxSize: 4,
    tags: [SCHEDULED, { key: `${TAG}:override`, value: 'running until 2026-12-01T12:00:00Z' }],
  });
  const stop = await fire('stop');
  expect(stop.map((i) => i.error)).toEqual([undefined]);
  expect(sizes('held')).toBe('1,2,4');
  expect(tagOf('held', SIZE)).toBeUndefined();
  expect(asg.inService('held')).toHaveLength(2);
  expect(lineOf(stop, 'held')).toMatchObject({
    outcome: 'skipped',
    reason: 'override: running until 2026-12-01T12:00:00Z',
  });
});

test("a dry run's scheduler reports what it would do to its groups and changes nothing", async () => {
  const dry: GroupTag = { key: TAG, value: 'dry-hours', propagateAtLaunch: true };
  asg.addGroup({ name: 'web', minSize: 2, desiredCapacity: 3, maxSize: 6, tags: [dry] });
  asg.addGroup({
    name: 'batch',
    minSize: 0,
    desiredCapacity: 0,
    maxSize: 4,
    tags: [dry, { key: SIZE, value: '1,1,4' }],
  });

  const stop = await fire('stop', 'dry-hours');
  const start = await fire('start', 'dry-hours');
  expect([...stop, ...start].map((i) => i.error)).toEqual([undefined, undefined]);
  expect(lineOf(stop, 'web')).toMatchObject({
    outcome: 'stopped',
    dryRun: true,
    reason: 'dry run: would scale to 0,0,6',
  });
  expect(lineOf(start, 'batch')).toMatchObject({
    outcome: 'started',
    dryRun: true,
    reason: 'dry run: would scale to 1,1,4',
  });
  expect(asg.requests.map((r) => r.action).sort()).toEqual([
    'DescribeAutoScalingGroups',
    'DescribeAutoScalingGroups',
  ]);
  expect([sizes('web'), sizes('batch')]).toEqual(['2,3,6', '0,0,4']);
  expect(tagOf('web', SIZE)).toBeUndefined();
});

test('the members of a scheduled group are never acted on as instances, though they carry the schedule tag', async () => {
  ec2.addInstances(makeInstances(1, { tags: OFFICE, state: 'running', firstIndex: 1 }));
  const [single] = ids(makeInstances(1, { firstIndex: 1 }));
  asg.addGroup({ name: 'workers', minSize: 2, maxSize: 4, tags: [SCHEDULED] });
  const members = asg.inService('workers');
  expect(members.map((id) => ec2.instance(id)?.tags[TAG])).toEqual([
    'office-hours',
    'office-hours',
  ]);

  const stop = await fire('stop');
  expect(stop.map((i) => i.error)).toEqual([undefined]);
  expect(world.calls('StopInstances').flatMap((c) => c.instanceIds)).toEqual([single]);
  for (const id of members) {
    expect(lineOf(stop, id)).toMatchObject({
      outcome: 'skipped',
      reason: 'member of an Auto Scaling group, which would replace it',
    });
    // The group took them out when it scaled to zero.
    expect(ec2.instance(id)?.state).toBe('terminated');
  }
  expect(sizes('workers')).toBe('0,0,4');
});

test('a group already at zero on stop is left alone, its saved size kept', async () => {
  asg.addGroup({
    name: 'web',
    minSize: 0,
    desiredCapacity: 0,
    maxSize: 6,
    tags: [SCHEDULED, { key: SIZE, value: '2,3,6' }],
  });
  const stop = await fire('stop');
  expect(stop.map((i) => i.error)).toEqual([undefined]);
  expect(tagOf('web', SIZE)).toBe('2,3,6');
  expect(asg.calls('UpdateAutoScalingGroup')).toEqual([]);
  expect(asg.calls('CreateOrUpdateTags')).toEqual([]);
  expect(lineOf(stop, 'web')).toMatchObject({
    outcome: 'skipped',
    reason: 'already at zero; its saved size kept',
  });
});

test('an EKS node group is stopped to zero through EKS, its size saved, and started back to it, each update followed to Successful; its nodes are never acted on as instances', async () => {
  const eks = world.eks;
  eks.updateMs = 3_000;
  const ng = eks.addNodegroup({
    clusterName: 'dev',
    name: 'workers',
    minSize: 1,
    desiredSize: 2,
    maxSize: 4,
    tags: OFFICE,
  });
  const nodes = asg.inService(ng.autoScalingGroup!);
  expect(nodes).toHaveLength(2);
  // EKS tags its nodes; a node that also carries the schedule tag is still EKS's.
  for (const id of nodes)
    ec2.updateInstance(id, { tags: { ...ec2.instance(id)!.tags, ...OFFICE } });
  const scaling = () => {
    const s = eks.nodegroup('dev', 'workers')!.scaling;
    return `${s.minSize},${s.desiredSize},${s.maxSize}`;
  };

  const stop = await fire('stop');
  expect(stop.map((i) => i.error)).toEqual([undefined]);
  expect(scaling()).toBe('0,0,4');
  expect(eks.nodegroup('dev', 'workers')!.tags.get(SIZE)).toBe('1,2,4');
  expect(lineOf(stop, 'dev/workers')).toMatchObject({
    resource: 'eks-nodegroup',
    outcome: 'stopped',
    verified: true,
  });
  expect(stop[0].result).toMatchObject({ groupsStopped: 1, stopped: 0, groupsFailed: 0 });
  expect(eks.calls('DescribeUpdate').length).toBeGreaterThan(0);
  // Never through its Auto Scaling group, nor its nodes through EC2.
  expect(asg.calls('UpdateAutoScalingGroup')).toEqual([]);
  expect(world.calls('StopInstances')).toEqual([]);

  const start = await fire('start');
  expect(start.map((i) => i.error)).toEqual([undefined]);
  expect(scaling()).toBe('1,2,4');
  expect(lineOf(start, 'dev/workers')).toMatchObject({ outcome: 'started', verified: true });
  expect(start[0].result).toMatchObject({ groupsStarted: 1, started: 0, groupsFailed: 0 });
  expect(world.calls('StartInstances')).toEqual([]);
});
