/**
 * The shipped bundle (`assets/cli.js`) end to end: `status`, `override` and `coverage` in their
 * own `node` process against the loopback EC2 endpoint, reached only through the SDK's standard environment,
 * with a synthesized cloud assembly and the real clock.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import type { StatusReport } from '../lib/cli/status-command';
import { synthesize } from '../harness/assembly';
import { CLI_BUNDLE, fakeAwsEnv, type GroupFakes, runBundle, startGroupFakes } from './support/cli';
import { instanceIdFor, makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';

jest.setTimeout(60_000);

let ep: Ec2Endpoint;
let groups: GroupFakes;
let tmp: string;
let cdkOut: string;

beforeAll(async () => {
  ep = await startEc2Endpoint({ latencyMs: 5 });
  groups = await startGroupFakes(ep);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-bundle-'));
  cdkOut = synthesize(path.join(tmp, 'cdk.out'), (app) => {
    const stack = new Stack(app, 'Office');
    new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'Europe/Berlin' }).addSchedule(
      'office-hours',
      { start: 'cron(0 8 ? * MON-FRI *)', stop: 'cron(0 18 ? * MON-FRI *)' },
    );
    return stack;
  }).directory;
  ep.addInstances(makeInstances(3, { tags: { Schedule: 'office-hours' }, state: 'stopped' }));
});

afterAll(async () => {
  await groups.close();
  await ep.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The SDK's environment: the EC2 endpoint and the group fakes. */
const env = () => ({ ...fakeAwsEnv(ep.url), ...groups.env });

const utc = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

test('the bundle lists, overrides, refuses and clears', async () => {
  expect(fs.existsSync(CLI_BUNDLE)).toBe(true);
  const vars = env();
  const status = async () => {
    const run = await runBundle(['status', cdkOut, '--json'], vars);
    expect(run.err).not.toMatch(/fail|error/i);
    expect(run.code).toBe(0);
    return JSON.parse(run.out.join('\n')) as StatusReport;
  };
  const before = await status();
  expect(before.instances.map((i) => i.instanceId)).toEqual([1, 2, 3].map(instanceIdFor));
  expect(before.instances[0]).toMatchObject({
    schedule: 'office-hours',
    deployed: true,
    nextStart: { local: expect.stringMatching(/T08:00:00\+0[12]:00$/) },
    nextStop: { local: expect.stringMatching(/T18:00:00\+0[12]:00$/) },
  });

  // Two hours from now, to the second: what the tag will hold.
  const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * 3_600_000);
  const set = await runBundle(
    ['override', instanceIdFor(1), instanceIdFor(2), '--running-until', utc(until), cdkOut],
    vars,
  );
  expect(set.code).toBe(0);
  expect(set.out).toHaveLength(2);
  expect(set.out[0]).toMatch(
    new RegExp(`^${instanceIdFor(1)}: set Schedule:override = "running until ${utc(until)}" \\(`),
  );
  const held = await status();
  expect(held.instances[1].override).toEqual({
    value: `running until ${utc(until)}`,
    status: 'active',
    state: 'running',
    until: utc(until),
  });

  const creates = ep.countCalls('CreateTags');
  const refused = await runBundle(
    ['override', instanceIdFor(3), '--stopped-until', '2020-01-01T00:00Z', cdkOut],
    vars,
  );
  expect(refused.code).toBe(2);
  expect(refused.out).toEqual([]);
  expect(refused.err).toMatch(/which has passed/);
  expect(ep.countCalls('CreateTags')).toBe(creates);

  const cleared = await runBundle(['override', instanceIdFor(1), '--clear', cdkOut], vars);
  expect(cleared.code).toBe(0);
  expect(cleared.out).toEqual([
    `${instanceIdFor(1)}: removed Schedule:override (was "running until ${utc(until)}")`,
  ]);
  const after = await status();
  expect(after.instances.map((i) => i.override?.status)).toEqual([undefined, 'active', undefined]);
});

test('the bundle reports coverage: scheduled, a misspelt name with a suggestion, unscheduled', async () => {
  ep.addInstances([
    ...makeInstances(1, { firstIndex: 10, tags: { Name: 'web-9', Schedule: 'Office-Hours' } }),
    ...makeInstances(1, { firstIndex: 11, tags: { Name: 'build-agent' } }),
    ...makeInstances(1, { firstIndex: 12, tags: { Name: 'gone' }, state: 'terminated' }),
  ]);
  const run = await runBundle(['coverage', cdkOut], env());
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  expect(run.out[0]).toMatch(
    /^Coverage of the Schedule tag in account 123456789012, us-east-1, at \S+Z: 5 instance\(s\), terminated ones left out\.$/,
  );
  // (runBundle leaves out the empty lines between the groups.)
  expect(run.out.slice(1)).toEqual([
    'Deployed schedules (from the cloud assembly): office-hours.',
    'Scheduled: 3 instance(s) in 1 schedule(s)',
    '  office-hours: 3',
    ...[1, 2, 3].map((n) => `    ${instanceIdFor(n)}  -            stopped`),
    'Not a deployed schedule: 1 instance(s) in 1 name(s)',
    '  Office-Hours: 1 (did you mean "office-hours"?)',
    `    ${instanceIdFor(10)}  web-9        running`,
    'Unscheduled (no Schedule tag): 1 instance(s)',
    `    ${instanceIdFor(11)}  build-agent  running`,
  ]);
});

test.each([
  ['status', () => ['status', cdkOut]],
  ['status --json', () => ['status', cdkOut, '--json']],
  ['coverage', () => ['coverage', cdkOut]],
  ['override --clear', () => ['override', instanceIdFor(3), '--clear', cdkOut]],
  ['preview', () => ['preview', cdkOut, '--count', '2']],
  ['--version', () => ['--version']],
])(
  `%s prints no runtime warning on this Node.js (${process.version}; the AWS SDK's NodeVersionSupportWarning included)`,
  async (_what, argv) => {
    const run = await runBundle(argv(), env());
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out.length).toBeGreaterThan(0);
  },
);

test('the bundle lists Auto Scaling groups and EKS node groups with their sizes', async () => {
  groups.autoScaling.addGroup({
    name: 'batch',
    minSize: 0,
    maxSize: 6,
    tags: [
      { key: 'Schedule', value: 'office-hours' },
      { key: 'Schedule:size', value: '2,3,6' },
    ],
  });
  groups.eks.addNodegroup({
    clusterName: 'dev',
    name: 'workers',
    minSize: 1,
    desiredSize: 2,
    maxSize: 3,
    tags: { Schedule: 'office-hours' },
  });
  // Last: the node group's instances stay in the EC2 model.
  try {
    const run = await runBundle(['status', cdkOut, '--json'], env());
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out.join('\n')) as StatusReport;
    expect(report.groups.map((g) => [g.kind, g.name, g.size, g.savedSize])).toEqual([
      ['auto-scaling-group', 'batch', '0,0,6', '2,3,6'],
      ['eks-nodegroup', 'dev/workers', '1,2,3', undefined],
    ]);
  } finally {
    groups.reset();
  }
});
