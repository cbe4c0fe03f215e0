import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  EKSServiceException,
  ListClustersCommand,
  ListTagsForResourceCommand,
  paginateListNodegroups,
  ResourceInUseException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
  ResourceGroupsTaggingAPIServiceException,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { AutoScalingModel } from '../harness/autoscaling';
import { Ec2Model } from '../harness/ec2';
import { startEksEndpoint, type EksEndpoint } from '../harness/eks';
import { startTaggingEndpoint, type TaggingEndpoint } from '../harness/tagging';

const credentials = { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' };
let now = Date.UTC(2026, 11, 7, 22);
let ec2: Ec2Model;
let asg: AutoScalingModel;
let eks: EksEndpoint;
let tagging: TaggingEndpoint;
let client: EKSClient;
let tags: ResourceGroupsTaggingAPIClient;

beforeAll(async () => {
  ec2 = new Ec2Model(() => now);
  asg = new AutoScalingModel(ec2, () => now);
  eks = await startEksEndpoint(() => now, asg);
  tagging = await startTaggingEndpoint(eks);
  const config = { region: 'us-east-1', credentials, maxAttempts: 1 };
  client = new EKSClient({ ...config, endpoint: eks.url });
  tags = new ResourceGroupsTaggingAPIClient({ ...config, endpoint: tagging.url });
});
beforeEach(() => {
  ec2.reset();
  asg.reset();
  eks.reset();
  tagging.reset();
});
afterAll(async () => {
  client.destroy();
  tags.destroy();
  await eks.close();
  await tagging.close();
});

async function failure<E extends Error>(
  p: Promise<unknown>,
  type: abstract new (...a: never[]) => E,
): Promise<E> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (e instanceof type) return e;
  throw new Error(`expected the call to fail with ${type.name}, got ${String(e)}`);
}

const web = { clusterName: 'dev', name: 'web', minSize: 2, desiredSize: 3, maxSize: 6 };
const describe1 = async (cluster = 'dev', name = 'web') =>
  (await client.send(new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name })))
    .nodegroup;

describe('the loopback EKS endpoint, through the SDK client', () => {
  test('describes a node group: ARN, status ACTIVE, scaling config, tags, and its Auto Scaling group whose instances carry eks:nodegroup-name', async () => {
    eks.addNodegroup({ ...web, tags: { Schedule: 'office-hours' } });
    const ng = await describe1();
    expect(ng).toMatchObject({
      nodegroupName: 'web',
      clusterName: 'dev',
      status: 'ACTIVE',
      scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
      tags: { Schedule: 'office-hours' },
    });
    expect(ng?.nodegroupArn).toMatch(
      /^arn:aws:eks:us-east-1:123456789012:nodegroup\/dev\/web\/[0-9a-f-]{36}$/,
    );
    expect(ng?.createdAt).toEqual(new Date(now));
    const group = ng?.resources?.autoScalingGroups?.[0]?.name ?? '';
    expect(asg.inService(group)).toHaveLength(3);
    for (const id of asg.inService(group)) {
      expect(ec2.instance(id)?.tags).toMatchObject({
        'eks:nodegroup-name': 'web',
        'eks:cluster-name': 'dev',
        'aws:autoscaling:groupName': group,
      });
    }
  });

  test('lists clusters and node groups, page by page', async () => {
    for (const name of ['a', 'b', 'c']) eks.addNodegroup({ ...web, name });
    eks.addNodegroup({ ...web, clusterName: 'prod' });
    expect((await client.send(new ListClustersCommand({}))).clusters).toEqual(['dev', 'prod']);
    const names: string[] = [];
    for await (const page of paginateListNodegroups(
      { client, pageSize: 2 },
      { clusterName: 'dev' },
    )) {
      names.push(...(page.nodegroups ?? []));
    }
    expect(names).toEqual(['a', 'b', 'c']);
    expect(eks.calls('ListNodegroups')).toHaveLength(2);
  });

  test('UpdateNodegroupConfig returns an update that is InProgress (the node group UPDATING) until it ends Successful and the Auto Scaling group is resized', async () => {
    eks.updateMs = 60_000;
    eks.addNodegroup(web);
    const { update } = await client.send(
      new UpdateNodegroupConfigCommand({
        clusterName: 'dev',
        nodegroupName: 'web',
        scalingConfig: { minSize: 0, desiredSize: 0 },
      }),
    );
    expect(update).toMatchObject({
      status: 'InProgress',
      type: 'ConfigUpdate',
      params: [
        { type: 'MinSize', value: '0' },
        { type: 'DesiredSize', value: '0' },
      ],
    });
    expect(await describe1()).toMatchObject({
      status: 'UPDATING',
      scalingConfig: { minSize: 0, desiredSize: 0, maxSize: 6 },
    });
    const again = await failure(
      client.send(
        new UpdateNodegroupConfigCommand({
          clusterName: 'dev',
          nodegroupName: 'web',
          scalingConfig: { desiredSize: 1 },
        }),
      ),
      ResourceInUseException,
    );
    expect(again.message).toBe(
      'Nodegroup cannot be updated as it is currently not in Active State',
    );
    expect(again.$metadata.httpStatusCode).toBe(409);
    expect(again.nodegroupName).toBe('web');
    now += 60_000;
    const described = await client.send(
      new DescribeUpdateCommand({ name: 'dev', nodegroupName: 'web', updateId: update?.id }),
    );
    expect(described.update?.status).toBe('Successful');
    expect((await describe1())?.status).toBe('ACTIVE');
    const group = (await describe1())?.resources?.autoScalingGroups?.[0]?.name ?? '';
    expect(asg.group(group)).toMatchObject({ minSize: 0, desiredCapacity: 0, maxSize: 6 });
  });

  test('a failed update is Failed with its errors, and the scaling config goes back', async () => {
    eks.addNodegroup(web);
    const errors = [
      {
        errorCode: 'AsgInstanceLaunchFailures',
        errorMessage: 'Could not launch On-Demand Instances. InsufficientInstanceCapacity',
        resourceIds: ['eks-web-1'],
      },
    ];
    eks.failNextUpdate('dev', 'web', errors);
    const { update } = await client.send(
      new UpdateNodegroupConfigCommand({
        clusterName: 'dev',
        nodegroupName: 'web',
        scalingConfig: { desiredSize: 5 },
      }),
    );
    const described = await client.send(
      new DescribeUpdateCommand({ name: 'dev', nodegroupName: 'web', updateId: update?.id }),
    );
    expect(described.update).toMatchObject({ status: 'Failed', errors });
    expect((await describe1())?.scalingConfig).toEqual({ minSize: 2, desiredSize: 3, maxSize: 6 });
  });

  test.each([
    [{ maxSize: 0, minSize: 0, desiredSize: 0 }, "maxSize can't be less than 1"],
    [{ minSize: 4 }, "minSize can't be greater than desiredSize"],
    [{ desiredSize: 7 }, "desiredSize can't be greater than maxSize"],
  ])(
    'UpdateNodegroupConfig %j is refused with InvalidParameterException',
    async (scalingConfig, message) => {
      eks.addNodegroup(web);
      const e = await failure(
        client.send(
          new UpdateNodegroupConfigCommand({
            clusterName: 'dev',
            nodegroupName: 'web',
            scalingConfig,
          }),
        ),
        EKSServiceException,
      );
      expect([e.name, e.message, e.$metadata.httpStatusCode]).toEqual([
        'InvalidParameterException',
        message,
        400,
      ]);
      expect((await describe1())?.scalingConfig).toEqual({
        minSize: 2,
        desiredSize: 3,
        maxSize: 6,
      });
    },
  );

  test('tags a node group by ARN, lists and removes tags; an unknown node group is ResourceNotFoundException', async () => {
    const arn = eks.addNodegroup(web).arn;
    await client.send(
      new TagResourceCommand({ resourceArn: arn, tags: { 'Schedule:size': '2,3,6' } }),
    );
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { a: '1', b: '2' } }));
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['a', 'b'] }));
    expect((await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags).toEqual({
      'Schedule:size': '2,3,6',
    });
    const e = await failure(describe1('dev', 'nope'), EKSServiceException);
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ResourceNotFoundException', 404]);
  });

  test('throttles with ThrottlingException (429), which the SDK retries', async () => {
    eks.addNodegroup(web);
    eks.throttleNext(1, 'DescribeNodegroup');
    const e = await failure(describe1(), EKSServiceException);
    expect([e.name, e.$metadata.httpStatusCode]).toEqual(['ThrottlingException', 429]);
    eks.throttleNext(2, 'DescribeNodegroup');
    const retrying = new EKSClient({
      region: 'us-east-1',
      credentials,
      endpoint: eks.url,
      maxAttempts: 3,
    });
    await expect(
      retrying.send(new DescribeNodegroupCommand({ clusterName: 'dev', nodegroupName: 'web' })),
    ).resolves.toBeDefined();
    retrying.destroy();
  });
});

describe('the loopback Tagging API endpoint, through the SDK client', () => {
  test('GetResources finds node groups by tag and type, ANDing filters and ORing values, page by page with an empty last token', async () => {
    const names = ['a', 'b', 'c', 'd'];
    for (const name of names)
      eks.addNodegroup({ ...web, name, tags: { Schedule: 'office-hours' } });
    eks.addNodegroup({ ...web, name: 'other', tags: { Schedule: 'night' } });
    eks.addNodegroup({ ...web, name: 'untagged' });
    const found: string[] = [];
    let PaginationToken: string | undefined;
    const tokens: string[] = [];
    do {
      const page = await tags.send(
        new GetResourcesCommand({
          TagFilters: [{ Key: 'Schedule', Values: ['office-hours'] }],
          ResourceTypeFilters: ['eks:nodegroup'],
          ResourcesPerPage: 3,
          PaginationToken,
        }),
      );
      for (const m of page.ResourceTagMappingList ?? []) {
        found.push(m.ResourceARN ?? '');
        expect(m.Tags).toContainEqual({ Key: 'Schedule', Value: 'office-hours' });
      }
      PaginationToken = page.PaginationToken;
      tokens.push(PaginationToken ?? '(undefined)');
    } while (PaginationToken);
    expect(found.map((arn) => arn.split('/')[2])).toEqual(names);
    expect(tokens[tokens.length - 1]).toBe('');
    const either = await tags.send(
      new GetResourcesCommand({
        TagFilters: [{ Key: 'Schedule', Values: ['office-hours', 'night'] }, { Key: 'Schedule' }],
      }),
    );
    expect(either.ResourceTagMappingList).toHaveLength(5);
    const ec2Only = await tags.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['ec2:instance'] }),
    );
    expect(ec2Only.ResourceTagMappingList).toEqual([]);
  });

  test.each([0, 101])('ResourcesPerPage %d is InvalidParameterException', async (n) => {
    const e = await failure(
      tags.send(new GetResourcesCommand({ ResourcesPerPage: n })),
      ResourceGroupsTaggingAPIServiceException,
    );
    expect(e.name).toBe('InvalidParameterException');
  });

  test('throttles with ThrottledException, which the SDK retries', async () => {
    tagging.throttleNext(1);
    const e = await failure(
      tags.send(new GetResourcesCommand({})),
      ResourceGroupsTaggingAPIServiceException,
    );
    expect(e.name).toBe('ThrottledException');
    tagging.throttleNext(2);
    const retrying = new ResourceGroupsTaggingAPIClient({
      region: 'us-east-1',
      credentials,
      endpoint: tagging.url,
      maxAttempts: 3,
    });
    await expect(retrying.send(new GetResourcesCommand({}))).resolves.toBeDefined();
    retrying.destroy();
  });
});
