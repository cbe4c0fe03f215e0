import {
  AutoScalingClient,
  AutoScalingServiceException,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  DescribeTagsCommand,
  UpdateAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import { startAutoScalingEndpoint, type AutoScalingEndpoint } from '../harness/autoscaling';
import { startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';

let ec2: Ec2Endpoint;
let asg: AutoScalingEndpoint;
let client: AutoScalingClient;

beforeAll(async () => {
  ec2 = await startEc2Endpoint();
  asg = await startAutoScalingEndpoint(ec2);
  client = new AutoScalingClient({
    endpoint: asg.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1,
  });
});
beforeEach(() => {
  ec2.reset();
  asg.reset();
});
afterAll(async () => {
  client.destroy();
  await asg.close();
  await ec2.close();
});

async function failure(p: Promise<unknown>): Promise<AutoScalingServiceException> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AutoScalingServiceException) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

const SCHEDULED = [{ key: 'Schedule', value: 'office-hours' }];
const describe1 = async (name: string) =>
  (await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups?.[0];

describe('the loopback Auto Scaling endpoint, through the SDK client', () => {
  test('describes a group with its sizes, tags and InService members, which run in EC2 tagged with the group', async () => {
    asg.addGroup({ name: 'web', minSize: 1, desiredCapacity: 2, maxSize: 4, tags: SCHEDULED });
    const group = await describe1('web');
    expect(group).toMatchObject({
      AutoScalingGroupName: 'web',
      MinSize: 1,
      DesiredCapacity: 2,
      MaxSize: 4,
      Tags: [{ Key: 'Schedule', Value: 'office-hours', PropagateAtLaunch: false }],
    });
    expect(group?.Instances?.map((i) => i.LifecycleState)).toEqual(['InService', 'InService']);
    for (const i of group?.Instances ?? []) {
      expect(i.InstanceId).toMatch(/^i-[0-9a-f]{17}$/);
      expect(ec2.instance(i.InstanceId ?? '')).toMatchObject({
        state: 'running',
        tags: { 'aws:autoscaling:groupName': 'web' },
      });
    }
  });

  test('filters groups by tag:<key> and pages them', async () => {
    for (let k = 0; k < 5; k++) {
      asg.addGroup({ name: `g${k}`, minSize: 0, maxSize: 1, tags: k % 2 ? [] : SCHEDULED });
    }
    const names: string[] = [];
    const pages = paginateDescribeAutoScalingGroups(
      { client, pageSize: 2 },
      { Filters: [{ Name: 'tag:Schedule', Values: ['office-hours'] }] },
    );
    for await (const page of pages)
      names.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ''));
    expect(names).toEqual(['g0', 'g2', 'g4']);
    const tooMany = await failure(
      client.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })),
    );
    expect(tooMany.name).toBe('ValidationError');
  });

  test('scaling in terminates members with Successful activities; scaling out launches tagged ones', async () => {
    asg.addGroup({
      name: 'web',
      minSize: 2,
      maxSize: 6,
      tags: [...SCHEDULED, { key: 'team', value: 'a', propagateAtLaunch: true }],
    });
    const before = asg.inService('web');
    await client.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web',
        MinSize: 0,
        DesiredCapacity: 0,
      }),
    );
    expect((await describe1('web'))?.Instances).toEqual([]);
    for (const id of before) expect(ec2.instance(id)?.state).toBe('terminated');
    await client.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web',
        MinSize: 2,
        DesiredCapacity: 3,
      }),
    );
    const after = asg.inService('web');
    expect(after).toHaveLength(3);
    expect(ec2.instance(after[0])?.tags).toEqual({ team: 'a', 'aws:autoscaling:groupName': 'web' });
    const { Activities } = await client.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web' }),
    );
    expect(Activities?.map((a) => a.StatusCode)).toEqual(Array(5).fill('Successful'));
    expect(Activities?.[0].Description).toMatch(/^Launching a new EC2 instance: i-/);
    expect(Activities?.[4].Description).toMatch(/^Terminating EC2 instance: i-/);
  });

  test('launches stay Pending for launchMs', async () => {
    asg.addGroup({ name: 'web', minSize: 0, desiredCapacity: 0, maxSize: 2 });
    asg.launchMs = 60_000;
    await client.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 1 }),
    );
    const [member] = (await describe1('web'))?.Instances ?? [];
    expect(member.LifecycleState).toBe('Pending');
    expect(ec2.instance(member.InstanceId ?? '')?.state).toBe('pending');
  });

  test('a failing launch is a Failed activity with its StatusMessage, and no instance', async () => {
    const message =
      'The specified launch template, with template ID lt-0123456789abcdef0, does not exist. Launching EC2 instance failed.';
    asg.addGroup({
      name: 'web',
      minSize: 0,
      desiredCapacity: 0,
      maxSize: 2,
      launchFailure: message,
    });
    await client.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 2 }),
    );
    const { Activities } = await client.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web' }),
    );
    expect(Activities).toEqual([
      expect.objectContaining({ StatusCode: 'Failed', StatusMessage: message }),
    ]);
    expect(asg.inService('web')).toEqual([]);
  });

  test('refuses sizes out of order and unknown groups with ValidationError', async () => {
    asg.addGroup({ name: 'web', minSize: 1, maxSize: 2 });
    const out = await failure(
      client.send(
        new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', DesiredCapacity: 3 }),
      ),
    );
    expect(out).toMatchObject({
      name: 'ValidationError',
      message: 'Desired capacity:3 must be between the specified min size:1 and max size:2',
      $metadata: { httpStatusCode: 400 },
    });
    const unknown = await failure(
      client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'nope', MinSize: 0 })),
    );
    expect(unknown.message).toBe('AutoScalingGroup name not found - nope');
  });

  test('a MinSize above the desired capacity raises it, as the service does', async () => {
    asg.addGroup({ name: 'web', minSize: 0, desiredCapacity: 0, maxSize: 4 });
    await client.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 2 }),
    );
    expect(await describe1('web')).toMatchObject({ MinSize: 2, DesiredCapacity: 2 });
  });

  test('CreateOrUpdateTags writes tags that DescribeTags filters', async () => {
    asg.addGroup({ name: 'web', minSize: 0, maxSize: 1, tags: SCHEDULED });
    await client.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: 'web',
            ResourceType: 'auto-scaling-group',
            Key: 'Schedule:size',
            Value: '2,3,6',
            PropagateAtLaunch: false,
          },
        ],
      }),
    );
    const { Tags } = await client.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['Schedule:size'] }] }),
    );
    expect(Tags).toEqual([
      {
        ResourceId: 'web',
        ResourceType: 'auto-scaling-group',
        Key: 'Schedule:size',
        Value: '2,3,6',
        PropagateAtLaunch: false,
      },
    ]);
  });

  test.each([
    // The wire codes; the SDK names the modelled ones after their shapes (`...Fault`).
    [
      'ScalingActivityInProgress',
      'ScalingActivityInProgressFault',
      'Scaling activities in progress for group web',
      400,
    ],
    [
      'ResourceContention',
      'ResourceContentionFault',
      'You already have a pending update to an Auto Scaling resource.',
      500,
    ],
    ['Throttling', 'Throttling', 'Rate exceeded', 400],
  ])('answers an injected %s with its status', async (code, name, message, status) => {
    asg.addGroup({ name: 'web', minSize: 0, maxSize: 1 });
    asg.failNext(1, code, message, 'UpdateAutoScalingGroup');
    const out = await failure(
      client.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 1 })),
    );
    expect(out).toMatchObject({ name, message, $metadata: { httpStatusCode: status } });
    await client.send(
      new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 1 }),
    );
  });

  test('a token bucket throttles calls beyond its capacity', async () => {
    asg.setRateLimit({ capacity: 2, refillPerSecond: 0.001 });
    await client.send(new DescribeAutoScalingGroupsCommand({}));
    await client.send(new DescribeAutoScalingGroupsCommand({}));
    const out = await failure(client.send(new DescribeAutoScalingGroupsCommand({})));
    expect(out.name).toBe('Throttling');
  });
});
