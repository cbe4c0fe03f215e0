/**
 * End to end, a hub's target schedules its Auto Scaling groups and EKS node groups as well as its
 * instances: the shipped stop and start bundles, with the loopback STS letting the hub assume the
 * spoke roles of one target account, whose EC2, Auto Scaling, EKS and Tagging fakes hold a group,
 * a node group and an instance of the schedule. The spoke role's permissions for them are tested
 * on the template (test/many-accounts.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import {
  findSchedule,
  firingAfter,
  functionSpec,
  synthesize,
  type StackAssembly,
} from '../harness/assembly';
import { startEc2Accounts, type Ec2Accounts } from '../harness/ec2/accounts';
import { makeInstances } from '../harness/ec2';
import { startGroupFakes, type GroupFakes } from '../harness/group-fakes';
import { startLambdaEndpoint, type LambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime } from '../harness/lambda-runtime';
import { accountOfAccessKey, startStsEndpoint, type StsEndpoint } from '../harness/sts-endpoint';
import { MONDAY_MORNING, OFFICE } from './support/e2e';

jest.setTimeout(60_000);

const A = '111111111111';
const REGION = 'us-east-1';

let outdir: string;
let stack: StackAssembly;
let ec2: Ec2Accounts;
let sts: StsEndpoint;
let lambda: LambdaEndpoint;
let groups: GroupFakes;

beforeAll(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-hub-groups-'));
  stack = synthesize(outdir, (app) => {
    const s = new Stack(app, 'Hub', { env: { account: '123456789012', region: REGION } });
    new Ec2Scheduler(s, 'Scheduler', {
      timeZone: 'America/New_York',
      targets: { accounts: [A], regions: [REGION] },
    }).addSchedule('office-hours', {
      start: 'cron(0 8 ? * MON-FRI *)',
      stop: 'cron(0 17 ? * MON-FRI *)',
    });
    return s;
  });
  ec2 = await startEc2Accounts();
  sts = await startStsEndpoint();
  lambda = await startLambdaEndpoint({ functions: stack.functions.map((f) => f.arn) });
  // The target account's groups and node groups, over its own instances.
  groups = await startGroupFakes(await ec2.target(A, REGION));
});

afterAll(async () => {
  await Promise.all([ec2?.close(), sts?.close(), lambda?.close(), groups?.close()]);
  fs.rmSync(outdir, { recursive: true, force: true });
});

test("a hub's target stops its group and node group to zero, sizes saved, and starts them back, with its instance", async () => {
  for (const action of ['start', 'stop'])
    sts.allow(`arn:aws:iam::${A}:role/ec2-scheduler-spoke-${action}`);
  const target = await ec2.target(A, REGION);
  target.addInstances(makeInstances(1, { tags: OFFICE, state: 'running' }));
  const instanceId = target.instances()[0].instanceId;
  groups.autoScaling.addGroup({
    name: 'web',
    minSize: 2,
    desiredCapacity: 3,
    maxSize: 6,
    tags: [{ key: 'Schedule', value: 'office-hours', propagateAtLaunch: true }],
  });
  groups.eks.addNodegroup({
    clusterName: 'dev',
    name: 'workers',
    minSize: 1,
    desiredSize: 2,
    maxSize: 4,
    tags: OFFICE,
  });
  const group = () => {
    const g = groups.autoScaling.group('web')!;
    return [`${g.minSize},${g.desiredCapacity},${g.maxSize}`, g.tags.get('Schedule:size')?.value];
  };
  const nodegroup = () => {
    const n = groups.eks.nodegroup('dev', 'workers')!;
    const s = n.scaling;
    return [`${s.minSize},${s.desiredSize},${s.maxSize}`, n.tags.get('Schedule:size')];
  };

  const rt = new LambdaRuntime(lambda);
  try {
    let after = MONDAY_MORNING;
    for (const action of ['stop', 'start'] as const) {
      const schedule = findSchedule(stack, 'office-hours', action);
      rt.register(
        functionSpec(
          schedule.target,
          { ec2: ec2.url, lambda: lambda.url, ...groups.urls },
          {
            env: { AWS_ENDPOINT_URL_STS: sts.url, POWERTOOLS_DEV: 'true' },
            captureLogs: true,
          },
        ),
      );
      const { at, payload } = firingAfter(schedule, after);
      const clock = new Date(at.getTime() + 1500);
      rt.setClock(clock);
      groups.clockOffsetMs = clock.getTime() - Date.now();
      const invocations = await rt.invoke(schedule.target.arn, payload);
      expect(invocations.map((i) => i.error)).toEqual([undefined]);
      if (action === 'stop') {
        expect(group()).toEqual(['0,0,6', '2,3,6']);
        expect(nodegroup()).toEqual(['0,0,4', '1,2,4']);
        expect(target.instances()[0].state).toBe('stopped');
      }
      after = at;
    }
    expect(group()).toEqual(['2,3,6', '2,3,6']);
    expect(groups.autoScaling.inService('web')).toHaveLength(3);
    expect(nodegroup()).toEqual(['1,2,4', '1,2,4']);
    expect(target.instances().find((i) => i.instanceId === instanceId)?.state).toBe('running');
    // Each run assumed the spoke role of its action in the target, and acted on the groups and
    // node groups with its credentials (STS's keys name their account).
    expect(sts.requests.map((r) => [r.roleArn, r.granted])).toEqual([
      [`arn:aws:iam::${A}:role/ec2-scheduler-spoke-stop`, true],
      [`arn:aws:iam::${A}:role/ec2-scheduler-spoke-start`, true],
    ]);
    const signers = [...groups.autoScaling.requests, ...groups.eks.requests].map((r) =>
      accountOfAccessKey(r.accessKeyId ?? ''),
    );
    expect(signers.length).toBeGreaterThan(0);
    expect(new Set(signers)).toEqual(new Set([A]));
  } finally {
    await rt.close();
  }
});
