import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { startAutoScalingEndpoint, type AutoScalingEndpoint } from '../harness/autoscaling';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { makeInstances } from '../harness/ec2';
import { WITH_OPERATIONS, officeHoursEvent, runEvent, runExpectingFailure } from './support/runs';

let fake: InProcessEc2;
let asg: AutoScalingEndpoint;
let autoScaling: AutoScalingClient;

beforeAll(async () => {
  fake = new InProcessEc2(new VirtualClock());
  asg = await startAutoScalingEndpoint(fake, () => fake.clock.now());
  autoScaling = new AutoScalingClient({
    endpoint: asg.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
  });
});
beforeEach(() => {
  fake.reset();
  asg.reset();
  asg.launchMs = 0;
});
afterAll(async () => {
  autoScaling.destroy();
  await asg.close();
  fake.mock.restore();
});

const SCHEDULED = { key: 'Schedule', value: 'office-hours', propagateAtLaunch: true };
const stop = officeHoursEvent({ action: 'stop', scheduledTime: '2026-11-30T22:00:00.000Z' });
const start = officeHoursEvent(WITH_OPERATIONS);
const sizeTag = (name: string) => asg.group(name)?.tags.get('Schedule:size')?.value;
const sizes = (name: string) => {
  const g = asg.group(name);
  return g && `${g.minSize},${g.desiredCapacity},${g.maxSize}`;
};
const groupLine = (
  lines: { message: string; attributes?: Record<string, unknown> }[],
  name: string,
) => lines.find((l) => l.message === 'instance' && l.attributes?.instanceId === name)?.attributes;

describe('Auto Scaling groups tagged with a schedule', () => {
  test('a stop saves the size in <tagKey>:size, then scales to zero with MaxSize kept; its members are never acted on as instances', async () => {
    asg.addGroup({ name: 'web', minSize: 2, desiredCapacity: 3, maxSize: 6, tags: [SCHEDULED] });
    const members = asg.inService('web');
    const { summary } = await runEvent(fake, stop, { autoScaling });
    expect(sizeTag('web')).toBe('2,3,6');
    expect(sizes('web')).toBe('0,0,6');
    expect(summary).toMatchObject({ stopped: 0, groupsStopped: 1, failed: 0, groupsFailed: 0 });
    expect(fake.calls.filter((c) => c.action === 'StopInstances')).toEqual([]);
    for (const id of members) expect(fake.instance(id)?.state).toBe('terminated');
  });

  test('a start restores the saved size and follows the group until its instances are InService', async () => {
    asg.addGroup({ name: 'web', minSize: 2, desiredCapacity: 3, maxSize: 6, tags: [SCHEDULED] });
    await runEvent(fake, stop, { autoScaling });
    asg.launchMs = 30_000;
    const { summary, deps } = await runEvent(fake, start, { autoScaling });
    expect(sizes('web')).toBe('2,3,6');
    expect(asg.inService('web')).toHaveLength(3);
    expect(summary).toMatchObject({ started: 0, groupsStarted: 1, failed: 0, unverified: 0 });
    expect(groupLine(deps.logger.lines, 'web')).toMatchObject({
      resource: 'auto-scaling-group',
      outcome: 'started',
      verified: true,
      size: '2,3,6',
    });
  });

  test('the group is scheduled by its own tag, whatever PropagateAtLaunch says', async () => {
    asg.addGroup({
      name: 'own',
      minSize: 1,
      maxSize: 2,
      tags: [{ ...SCHEDULED, propagateAtLaunch: false }],
    });
    await runEvent(fake, stop, { autoScaling });
    expect(sizes('own')).toBe('0,0,2');
  });

  test('a group already at zero on stop is left alone and its saved size kept', async () => {
    asg.addGroup({
      name: 'web',
      minSize: 0,
      desiredCapacity: 0,
      maxSize: 6,
      tags: [SCHEDULED, { key: 'Schedule:size', value: '2,3,6' }],
    });
    const { deps } = await runEvent(fake, stop, { autoScaling });
    expect(sizeTag('web')).toBe('2,3,6');
    expect(asg.calls('UpdateAutoScalingGroup')).toEqual([]);
    expect(groupLine(deps.logger.lines, 'web')).toMatchObject({
      outcome: 'skipped',
      reason: 'already at zero; its saved size kept',
    });
  });

  test.each([
    ['no saved size', undefined, /^NoSavedSize$/, /has no Schedule:size tag/],
    ['a malformed saved size', '2,3', /^MalformedSavedSize$/, /"2,3" is not min,desired,max/],
    [
      'a saved size out of order',
      '3,2,6',
      /^MalformedSavedSize$/,
      /does not have min <= desired <= max/,
    ],
  ])('a start with %s fails the group, never guessing a size', async (_, value, code, message) => {
    const tags = [SCHEDULED, ...(value ? [{ key: 'Schedule:size', value }] : [])];
    asg.addGroup({ name: 'web', minSize: 0, desiredCapacity: 0, maxSize: 6, tags });
    const { summary } = await runExpectingFailure(fake, start, { autoScaling });
    expect(summary.failures).toEqual([
      {
        instanceId: 'web',
        errorCode: expect.stringMatching(code),
        message: expect.stringMatching(message),
      },
    ]);
    expect(sizes('web')).toBe('0,0,6');
  });

  test("a start with no saved size uses the schedule's groupFallbackSize, and logs that it did", async () => {
    asg.addGroup({ name: 'web', minSize: 0, desiredCapacity: 0, maxSize: 6, tags: [SCHEDULED] });
    const { summary, deps } = await runEvent(
      fake,
      { ...start, groupFallbackSize: { min: 1, desired: 2, max: 4 } },
      { autoScaling },
    );
    expect(sizes('web')).toBe('1,2,4');
    expect(summary).toMatchObject({ groupsStarted: 1, groupsFailed: 0 });
    expect(groupLine(deps.logger.lines, 'web')).toMatchObject({
      outcome: 'started',
      size: '1,2,4',
      reason: "no Schedule:size tag: the schedule's groupFallbackSize 1,2,4",
    });
    expect(deps.logger.lines).toContainEqual(
      expect.objectContaining({ message: 'group started with the fallback size' }),
    );
  });

  test('a group resized while stopped is reported and left as it is', async () => {
    asg.addGroup({ name: 'web', minSize: 2, desiredCapacity: 3, maxSize: 6, tags: [SCHEDULED] });
    await runEvent(fake, stop, { autoScaling });
    asg.resize('web', { desiredCapacity: 1 });
    const { deps } = await runEvent(fake, start, { autoScaling });
    expect(sizes('web')).toBe('0,1,6');
    expect(groupLine(deps.logger.lines, 'web')).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/^resized while stopped: now 0,1,6, saved 2,3,6/),
    });
    expect(deps.logger.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'group left alone' }),
    );
  });

  test('a failing launch fails the start with the scaling activity status message', async () => {
    const cause =
      'The specified launch template, with template ID lt-0123456789abcdef0, does not exist. Launching EC2 instance failed.';
    asg.addGroup({
      name: 'web',
      minSize: 0,
      desiredCapacity: 0,
      maxSize: 6,
      launchFailure: cause,
      tags: [SCHEDULED, { key: 'Schedule:size', value: '1,2,6' }],
    });
    const { summary } = await runExpectingFailure(fake, start, { autoScaling });
    expect(summary.failures).toEqual([
      { instanceId: 'web', errorCode: 'ScalingActivityFailed', message: cause },
    ]);
    expect(summary).toMatchObject({ started: 0, groupsStarted: 0, failed: 0, groupsFailed: 1 });
  });

  test('an override holds the group; a dry run changes nothing', async () => {
    asg.addGroup({
      name: 'held',
      minSize: 1,
      maxSize: 2,
      tags: [SCHEDULED, { key: 'Schedule:override', value: 'running until 2026-12-01T12:00:00Z' }],
    });
    asg.addGroup({ name: 'dry', minSize: 1, maxSize: 2, tags: [SCHEDULED] });
    const { deps } = await runEvent(fake, { ...stop, dryRun: true }, { autoScaling });
    expect(groupLine(deps.logger.lines, 'held')).toMatchObject({
      outcome: 'skipped',
      reason: 'override: running until 2026-12-01T12:00:00Z',
    });
    expect(groupLine(deps.logger.lines, 'dry')).toMatchObject({
      outcome: 'stopped',
      reason: 'dry run: would scale to 0,0,2',
    });
    expect(asg.calls('UpdateAutoScalingGroup')).toEqual([]);
    expect(asg.calls('CreateOrUpdateTags')).toEqual([]);
  });

  test('a group named like an instance of the schedule keeps its own outcome, and the instance its own', async () => {
    const [instance] = makeInstances(1, {
      state: 'running',
      tags: { Schedule: 'office-hours' },
    });
    fake.addInstances([instance]);
    asg.addGroup({ name: instance.instanceId, minSize: 1, maxSize: 2, tags: [SCHEDULED] });
    const { deps } = await runEvent(fake, stop, { autoScaling });
    const lines = deps.logger.lines.filter(
      (l) => l.message === 'instance' && l.attributes?.instanceId === instance.instanceId,
    );
    expect(lines.map((l) => l.attributes)).toEqual([
      expect.objectContaining({ resource: 'auto-scaling-group', outcome: 'stopped' }),
      expect.not.objectContaining({ resource: expect.anything() }),
    ]);
    expect(lines[1].attributes).toMatchObject({ outcome: 'stopped' });
    expect(fake.instance(instance.instanceId)?.state).toMatch(/^stopp/);
  });

  test("an EKS node group's Auto Scaling group tagged with the schedule is left for its node group, with a warning naming it", async () => {
    asg.addGroup({
      name: 'eks-workers-9ac0ffee',
      minSize: 2,
      desiredCapacity: 2,
      maxSize: 4,
      tags: [SCHEDULED, { key: 'eks:nodegroup-name', value: 'workers', propagateAtLaunch: true }],
    });
    const { summary, deps } = await runEvent(fake, stop, { autoScaling });
    expect(sizes('eks-workers-9ac0ffee')).toBe('2,2,4');
    expect(sizeTag('eks-workers-9ac0ffee')).toBeUndefined();
    expect(asg.calls('UpdateAutoScalingGroup')).toEqual([]);
    expect(summary).toMatchObject({ groupsSkipped: 1, groupsStopped: 0, groupsFailed: 0 });
    const reason =
      'owned by EKS node group workers, so scheduled through the node group only: tag the node group Schedule=office-hours instead';
    expect(groupLine(deps.logger.lines, 'eks-workers-9ac0ffee')).toMatchObject({
      outcome: 'skipped',
      reason,
    });
    expect(deps.logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'group left alone',
        attributes: expect.objectContaining({ group: 'eks-workers-9ac0ffee', reason }),
      }),
    );
  });

  test('instances beside the groups are still started in the same run', async () => {
    fake.addInstances(makeInstances(2, { state: 'stopped', tags: { Schedule: 'office-hours' } }));
    asg.addGroup({
      name: 'web',
      minSize: 0,
      desiredCapacity: 0,
      maxSize: 2,
      tags: [SCHEDULED, { key: 'Schedule:size', value: '1,1,2' }],
    });
    const { summary } = await runEvent(fake, start, { autoScaling });
    expect(summary).toMatchObject({ found: 2, started: 2, groupsStarted: 1, failed: 0 });
  });
});
