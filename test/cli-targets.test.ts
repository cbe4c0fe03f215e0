/**
 * `status`, `override` and `coverage` in a hub's target: `--account` assumes a role there (through
 * the loopback STS): for `status` and `coverage`, which only describe, the spoke start role; for
 * `override`, which writes a tag no spoke role may write, the role `--role-name` names. `--region`
 * picks the Region; the loopback EC2 keeps accounts and Regions apart, so a command sees and
 * writes the target's instances only.
 */
import { startEc2Accounts, type Ec2Accounts } from '../harness/ec2/accounts';
import { makeInstances } from '../harness/ec2';
import { startStsEndpoint, type StsEndpoint } from '../harness/sts-endpoint';
import { fakeAwsEnv, type GroupFakes, runCli, setEnv, startGroupFakes } from './support/cli';

const SPOKE = '111111111111';
const DENIED = '222222222222';
/** The spoke role the describing commands assume by default: the hub start function's. */
const SPOKE_START = `arn:aws:iam::${SPOKE}:role/ec2-scheduler-spoke-start`;
/** An operator's role in the spoke that may write the override tag. */
const OPERATOR = `arn:aws:iam::${SPOKE}:role/scheduler-operators`;
const NOW = new Date('2026-11-30T13:00:00Z');

let ec2: Ec2Accounts;
let sts: StsEndpoint;
/** Groups and node groups (none): the commands list them too. */
let groups: GroupFakes;
let restoreEnv: () => void;

beforeAll(async () => {
  ec2 = await startEc2Accounts();
  sts = await startStsEndpoint();
  groups = await startGroupFakes(await ec2.target(SPOKE, 'eu-west-1'));
  restoreEnv = setEnv({
    ...fakeAwsEnv(ec2.url),
    ...groups.env,
    AWS_ENDPOINT_URL_STS: sts.url,
  });
  sts.allow(SPOKE_START);
  sts.allow(OPERATOR);
  (await ec2.target(SPOKE, 'eu-west-1')).addInstances(
    makeInstances(3, { tags: { Schedule: 'office-hours' }, state: 'running', firstIndex: 1 }),
  );
  // The hub's own account and Region, which the commands must not see with --account.
  (await ec2.target(ec2.hubAccount, 'us-east-1')).addInstances(
    makeInstances(2, { tags: { Schedule: 'office-hours' }, state: 'running', firstIndex: 101 }),
  );
});

afterAll(async () => {
  restoreEnv?.();
  await Promise.all([ec2?.close(), sts?.close(), groups?.close()]);
});

test('status --account --region lists the target account and Region only, as the spoke start role', async () => {
  const { code, out } = await runCli(
    ['status', '--account', SPOKE, '--region', 'eu-west-1', '--json'],
    NOW,
  );
  expect(code).toBe(0);
  const report = JSON.parse(out.join('\n')) as { instances: { instanceId: string }[] };
  expect(report.instances.map((i) => i.instanceId)).toEqual(
    makeInstances(3, { firstIndex: 1 }).map((i) => i.instanceId),
  );
  expect(sts.requests.at(-1)).toEqual({
    roleArn: SPOKE_START,
    sessionName: 'cdk-ec2-scheduler-cli',
    granted: true,
  });
  // Without --account: the standard configuration's own account and Region.
  const own = await runCli(['status', '--json'], NOW);
  expect((JSON.parse(own.out.join('\n')) as { instances: unknown[] }).instances).toHaveLength(2);
});

test('coverage --account --region lists the target account and Region only, and names the account', async () => {
  const { code, out } = await runCli(
    ['coverage', '--account', SPOKE, '--region', 'eu-west-1', '--json'],
    NOW,
  );
  expect(code).toBe(0);
  const report = JSON.parse(out.join('\n')) as {
    account: string;
    region: string;
    counts: { total: number; scheduled: number };
  };
  expect(report).toMatchObject({
    account: SPOKE,
    region: 'eu-west-1',
    counts: { total: 3, scheduled: 3 },
  });
  expect(sts.requests.at(-1)).toMatchObject({ roleArn: SPOKE_START, granted: true });
  // A Region without instances: no owner to read, --account names the account.
  await ec2.target(SPOKE, 'ap-south-2');
  const empty = await runCli(['coverage', '--account', SPOKE, '--region', 'ap-south-2'], NOW);
  expect(empty.out[0]).toBe(
    `Coverage of the Schedule tag in account ${SPOKE}, ap-south-2, at 2026-11-30T13:00:00Z: 0 instance(s), terminated ones left out.`,
  );
});

test('override --account writes the tag in the target account only, as the role --role-name names', async () => {
  const [first] = makeInstances(1, { firstIndex: 1 });
  const { code } = await runCli(
    [
      'override',
      first.instanceId,
      '--running-until',
      '2026-11-30T22:00Z',
      '--account',
      SPOKE,
      '--role-name',
      'scheduler-operators',
      '--region',
      'eu-west-1',
    ],
    NOW,
  );
  expect(code).toBe(0);
  expect(sts.requests.at(-1)).toMatchObject({ roleArn: OPERATOR, granted: true });
  const target = await ec2.target(SPOKE, 'eu-west-1');
  expect(target.instance(first.instanceId)?.tags['Schedule:override']).toBe(
    'running until 2026-11-30T22:00:00Z',
  );
  const hub = await ec2.target(ec2.hubAccount, 'us-east-1');
  expect(hub.requests.filter((r) => r.action === 'CreateTags')).toEqual([]);
});

test('override --account without --role-name is a usage error (exit 2): the spoke roles may not write the override tag', async () => {
  const before = sts.requests.length;
  const [first] = makeInstances(1, { firstIndex: 1 });
  const { code, err } = await runCli(
    ['override', first.instanceId, '--clear', '--account', SPOKE, '--region', 'eu-west-1'],
    NOW,
  );
  expect(code).toBe(2);
  expect(err).toContain(
    `override --account ${SPOKE} needs --role-name: the spoke roles may write only the audit tag (<tag key>:last-action), not the override tag (<tag key>:override); name a role in ${SPOKE} that may (ec2:DescribeInstances, and ec2:CreateTags and ec2:DeleteTags with aws:TagKeys = <tag key>:override)`,
  );
  expect(sts.requests).toHaveLength(before);
});

test.each(['status', 'coverage'])(
  '%s: a spoke role that cannot be assumed: exit 1 blaming AssumeRole (not DescribeInstances), naming the role and the fix',
  async (command) => {
    const before = ec2.keys().length;
    const { code, err } = await runCli(
      [command, '--account', DENIED, '--region', 'eu-west-1'],
      NOW,
    );
    expect(code).toBe(1);
    const role = `arn:aws:iam::${DENIED}:role/ec2-scheduler-spoke-start`;
    expect(err).toBe(
      `AssumeRole of ${role} failed: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/hub is not authorized to perform: sts:AssumeRole on resource: ${role}; check that the role exists in ${DENIED} and trusts the credentials in use, or give another with --role-name`,
    );
    expect(ec2.keys()).toHaveLength(before);
  },
);

test.each([
  [['--account', '1234'], '--account "1234" is not an AWS account id; give its 12 digits'],
  [['--region', 'Europe'], '--region "Europe" is not an AWS Region such as eu-west-1'],
  [['--role-name', 'spoke'], '--role-name "spoke" needs --account'],
])('%j is a usage error (exit 2)', async (flags, message) => {
  const { code, err } = await runCli(['status', ...flags], NOW);
  expect(code).toBe(2);
  expect(err).toContain(message);
});
