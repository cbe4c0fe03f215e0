import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EKSClient } from '@aws-sdk/client-eks';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { startAutoScalingEndpoint, type AutoScalingEndpoint } from '../harness/autoscaling';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { startEksEndpoint, type EksEndpoint } from '../harness/eks';
import { startTaggingEndpoint, type TaggingEndpoint } from '../harness/tagging';
import { WITH_OPERATIONS, officeHoursEvent, runEvent, runExpectingFailure } from './support/runs';

const credentials = { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' };
let fake: InProcessEc2;
let asg: AutoScalingEndpoint;
let eksFake: EksEndpoint;
let taggingFake: TaggingEndpoint;
let clients: { eks: EKSClient; tagging: ResourceGroupsTaggingAPIClient };

beforeAll(async () => {
  fake = new InProcessEc2(new VirtualClock());
  const now = () => fake.clock.now();
  asg = await startAutoScalingEndpoint(fake, now);
  eksFake = await startEksEndpoint(now, asg);
  taggingFake = await startTaggingEndpoint(eksFake);
  const config = { region: 'us-east-1', credentials };
  clients = {
    eks: new EKSClient({ ...config, endpoint: eksFake.url }),
    tagging: new ResourceGroupsTaggingAPIClient({ ...config, endpoint: taggingFake.url }),
  };
});
beforeEach(() => {
  fake.reset();
  asg.reset();
  eksFake.reset();
  taggingFake.reset();
});
afterAll(async () => {
  clients.eks.destroy();
  clients.tagging.destroy();
  await taggingFake.close();
  await eksFake.close();
  await asg.close();
  fake.mock.restore();
});

const SCHEDULED = { Schedule: 'office-hours' };
const stop = officeHoursEvent({ action: 'stop', scheduledTime: '2026-11-30T22:00:00.000Z' });
const start = officeHoursEvent(WITH_OPERATIONS);
const web = { clusterName: 'dev', name: 'web', minSize: 2, desiredSize: 3, maxSize: 6 };
const sizeTag = () => eksFake.nodegroup('dev', 'web')?.tags.get('Schedule:size');
const sizes = () => {
  const s = eksFake.nodegroup('dev', 'web')?.scaling;
  return s && `${s.minSize},${s.desiredSize},${s.maxSize}`;
};
const line = (lines: { message: string; attributes?: Record<string, unknown> }[], id = 'dev/web') =>
  lines.find((l) => l.message === 'instance' && l.attributes?.instanceId === id)?.attributes;
const updateCalls = () => eksFake.calls('UpdateNodegroupConfig').filter((c) => c.status === 200);

describe('EKS managed node groups tagged with a schedule', () => {
  test('a stop saves the size in <tagKey>:size, then scales to zero through EKS with maxSize kept, and follows the update until Successful', async () => {
    const ng = eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    eksFake.updateMs = 30_000;
    const { summary, deps } = await runEvent(fake, stop, { ...clients });
    expect(sizeTag()).toBe('2,3,6');
    expect(sizes()).toBe('0,0,6');
    expect(updateCalls().map((c) => c.body.scalingConfig)).toEqual([
      { minSize: 0, desiredSize: 0 },
    ]);
    expect(eksFake.calls('DescribeUpdate').length).toBeGreaterThan(0);
    expect(summary).toMatchObject({ groupsStopped: 1, groupsFailed: 0 });
    expect(line(deps.logger.lines)).toMatchObject({
      resource: 'eks-nodegroup',
      outcome: 'stopped',
      size: '0,0,6',
      verified: true,
    });
    // EKS scaled its own Auto Scaling group; the scheduler never called Auto Scaling for it.
    expect(asg.group(ng.autoScalingGroup ?? '')).toMatchObject({ minSize: 0, desiredCapacity: 0 });
    expect(asg.requests).toEqual([]);
  });

  test("a node group's instances are never acted on as instances, even when tagged with the schedule", async () => {
    const ng = eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    const members = asg.inService(ng.autoScalingGroup ?? '');
    for (const id of members) {
      fake.updateInstance(id, { tags: { ...fake.instance(id)?.tags, ...SCHEDULED } });
    }
    const { deps } = await runEvent(fake, stop, { ...clients, autoScaling: undefined });
    expect(fake.calls.filter((c) => c.action === 'StopInstances')).toEqual([]);
    for (const id of members) {
      expect(line(deps.logger.lines, id)).toMatchObject({
        outcome: 'skipped',
        reason: 'member of an EKS managed node group, scheduled through EKS only',
      });
    }
  });

  test('a start restores the saved size and follows the update until Successful', async () => {
    eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    await runEvent(fake, stop, { ...clients });
    eksFake.updateMs = 45_000;
    const { summary, deps } = await runEvent(fake, start, { ...clients });
    expect(sizes()).toBe('2,3,6');
    expect(summary).toMatchObject({ groupsStarted: 1, groupsFailed: 0 });
    expect(line(deps.logger.lines)).toMatchObject({
      outcome: 'started',
      size: '2,3,6',
      verified: true,
    });
    expect(eksFake.nodegroup('dev', 'web')?.tags.get('Schedule:last-action')).toMatch(
      /^started 2026-11-30T13:00:\d\dZ by office-hours$/,
    );
  });

  test('a node group already at zero on stop is left alone and its saved size kept', async () => {
    eksFake.addNodegroup({
      ...web,
      minSize: 0,
      desiredSize: 0,
      tags: { ...SCHEDULED, 'Schedule:size': '2,3,6' },
    });
    const { deps } = await runEvent(fake, stop, { ...clients });
    expect(sizeTag()).toBe('2,3,6');
    expect(updateCalls()).toEqual([]);
    expect(line(deps.logger.lines)).toMatchObject({
      outcome: 'skipped',
      reason: 'already at zero; its saved size kept',
    });
  });

  test.each([
    ['no saved size', undefined, /^NoSavedSize$/, /has no Schedule:size tag/],
    ['a malformed saved size', '2,3', /^MalformedSavedSize$/, /"2,3" is not min,desired,max/],
  ])(
    'a start with %s fails the node group, never guessing a size',
    async (_, value, code, message) => {
      const tags = { ...SCHEDULED, ...(value ? { 'Schedule:size': value } : {}) };
      eksFake.addNodegroup({ ...web, minSize: 0, desiredSize: 0, tags });
      const { summary } = await runExpectingFailure(fake, start, { ...clients });
      expect(summary.failures).toEqual([
        {
          instanceId: 'dev/web',
          errorCode: expect.stringMatching(code),
          message: expect.stringMatching(message),
        },
      ]);
      expect(sizes()).toBe('0,0,6');
    },
  );

  test("a start with no saved size uses the schedule's groupFallbackSize, and says so on the node group's line", async () => {
    eksFake.addNodegroup({ ...web, minSize: 0, desiredSize: 0, tags: SCHEDULED });
    const { summary, deps } = await runEvent(
      fake,
      { ...start, groupFallbackSize: { min: 1, desired: 2, max: 4 } },
      { ...clients },
    );
    expect(sizes()).toBe('1,2,4');
    expect(summary).toMatchObject({ groupsStarted: 1, groupsFailed: 0 });
    expect(line(deps.logger.lines)).toMatchObject({
      outcome: 'started',
      size: '1,2,4',
      reason: "no Schedule:size tag: the schedule's groupFallbackSize 1,2,4",
    });
    expect(deps.logger.lines).toContainEqual(
      expect.objectContaining({ message: 'node group started with the fallback size' }),
    );
  });

  test('a node group resized while stopped is reported and left as it is', async () => {
    eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    await runEvent(fake, stop, { ...clients });
    eksFake.resize('dev', 'web', { desiredSize: 1 });
    const { deps } = await runEvent(fake, start, { ...clients });
    expect(sizes()).toBe('0,1,6');
    expect(line(deps.logger.lines)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/^resized while stopped: now 0,1,6, saved 2,3,6/),
    });
  });

  test('a node group UPDATING when listed is waited for, then stopped with the size the other update left', async () => {
    eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    eksFake.updateMs = 20_000;
    eksFake.updateScaling('dev', 'web', { desiredSize: 4 });
    eksFake.updateMs = 0;
    const { summary, deps } = await runEvent(fake, stop, { ...clients });
    expect(sizeTag()).toBe('2,4,6');
    expect(sizes()).toBe('0,0,6');
    expect(summary).toMatchObject({ groupsStopped: 1, groupsFailed: 0, groupsDeferred: 0 });
    expect(line(deps.logger.lines)).toMatchObject({ outcome: 'stopped', verified: true });
  });

  test('ResourceInUseException on UpdateNodegroupConfig is waited for and retried, not failed', async () => {
    eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    eksFake.failNext(
      1,
      'ResourceInUseException',
      'Nodegroup cannot be updated as it is currently not in Active State',
      'UpdateNodegroupConfig',
    );
    const { summary } = await runEvent(fake, stop, { ...clients });
    expect(eksFake.calls('UpdateNodegroupConfig').map((c) => c.errorCode ?? 'ok')).toEqual([
      'ResourceInUseException',
      'ok',
    ]);
    expect(sizes()).toBe('0,0,6');
    expect(summary).toMatchObject({ groupsStopped: 1, groupsFailed: 0 });
  });

  test('an update in progress for longer than the run is deferred with its reason, not failed, and the invocation succeeds', async () => {
    eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    eksFake.updateMs = 30 * 60_000;
    eksFake.updateScaling('dev', 'web', { desiredSize: 4 });
    const { summary, deps } = await runEvent(fake, stop, { ...clients, budgetMs: 90_000 });
    expect(eksFake.calls('UpdateNodegroupConfig')).toEqual([]);
    expect(summary).toMatchObject({ groupsStopped: 0, groupsFailed: 0, groupsDeferred: 1 });
    expect(line(deps.logger.lines)).toMatchObject({
      outcome: 'deferred',
      reason: expect.stringMatching(
        /^an update already in progress did not end within the run; not scaled/,
      ),
    });
  });

  test('when both the node-group and the group listings fail, the run names both causes', async () => {
    taggingFake.throttleNext(20);
    asg.failNext(
      20,
      'AccessDenied',
      'not authorized to perform: autoscaling:DescribeAutoScalingGroups',
    );
    const autoScaling = new AutoScalingClient({
      region: 'us-east-1',
      credentials,
      endpoint: asg.url,
      maxAttempts: 1,
    });
    const { error } = await runExpectingFailure(fake, stop, {
      eks: clients.eks,
      tagging: new ResourceGroupsTaggingAPIClient({
        region: 'us-east-1',
        credentials,
        endpoint: taggingFake.url,
        maxAttempts: 1,
      }),
      autoScaling,
    });
    expect(error.message).toMatch(
      /listing failed: ThrottledException: .+; and AccessDenied: not authorized to perform: autoscaling:DescribeAutoScalingGroups/,
    );
  });

  test('a Failed update fails the node group with its errors', async () => {
    eksFake.addNodegroup({
      ...web,
      minSize: 0,
      desiredSize: 0,
      tags: { ...SCHEDULED, 'Schedule:size': '1,2,6' },
    });
    const errors = [
      {
        errorCode: 'AsgInstanceLaunchFailures',
        errorMessage: 'Could not launch On-Demand Instances. InsufficientInstanceCapacity',
        resourceIds: ['eks-web'],
      },
    ];
    eksFake.failNextUpdate('dev', 'web', errors);
    const { summary } = await runExpectingFailure(fake, start, { ...clients });
    expect(summary.failures).toEqual([
      {
        instanceId: 'dev/web',
        errorCode: 'NodegroupUpdateFailed',
        message: expect.stringMatching(
          /Failed: AsgInstanceLaunchFailures: Could not launch On-Demand Instances. InsufficientInstanceCapacity$/,
        ),
      },
    ]);
    expect(summary.started).toBe(0);
  });

  test('an override holds the node group; a dry run changes nothing', async () => {
    eksFake.addNodegroup({
      ...web,
      name: 'held',
      tags: { ...SCHEDULED, 'Schedule:override': 'running until 2026-12-01T12:00:00Z' },
    });
    eksFake.addNodegroup({ ...web, name: 'dry', tags: SCHEDULED });
    const { deps } = await runEvent(fake, { ...stop, dryRun: true }, { ...clients });
    expect(line(deps.logger.lines, 'dev/held')).toMatchObject({
      outcome: 'skipped',
      reason: 'override: running until 2026-12-01T12:00:00Z',
    });
    expect(line(deps.logger.lines, 'dev/dry')).toMatchObject({
      outcome: 'stopped',
      reason: 'dry run: would scale to 0,0,6',
    });
    expect(eksFake.calls('UpdateNodegroupConfig')).toEqual([]);
    expect(eksFake.calls('TagResource')).toEqual([]);
  });

  test('node groups of other schedules and clusters are found by tag alone, without listing clusters', async () => {
    eksFake.addNodegroup({ ...web, tags: SCHEDULED });
    eksFake.addNodegroup({ ...web, clusterName: 'prod', name: 'api', tags: SCHEDULED });
    eksFake.addNodegroup({ ...web, name: 'night', tags: { Schedule: 'night' } });
    const { summary } = await runEvent(fake, stop, { ...clients });
    expect(summary).toMatchObject({ groupsStopped: 2 });
    expect(eksFake.nodegroup('dev', 'night')?.scaling.desiredSize).toBe(3);
    expect(eksFake.calls('ListClusters')).toEqual([]);
    expect(eksFake.calls('ListNodegroups')).toEqual([]);
  });
});
