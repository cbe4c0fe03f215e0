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
import { CLI_BUNDLE, fakeAwsEnv, runBundle } from './support/cli';
import { instanceIdFor, makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';

jest.setTimeout(60_000);

let ep: Ec2Endpoint;
let tmp: string;
let cdkOut: string;

beforeAll(async () => {
  ep = await startEc2Endpoint({ latencyMs: 5 });
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
  await ep.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const utc = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

test('the bundle lists, overrides, refuses and clears', async () => {
  expect(fs.existsSync(CLI_BUNDLE)).toBe(true);
  const env = fakeAwsEnv(ep.url);
  const status = async () => {
    const run = await runBundle(['status', cdkOut, '--json'], env);
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
    env,
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
    env,
  );
  expect(refused.code).toBe(2);
  expect(refused.out).toEqual([]);
  expect(refused.err).toMatch(/which has passed/);
  expect(ep.countCalls('CreateTags')).toBe(creates);

  const cleared = await runBundle(['override', instanceIdFor(1), '--clear', cdkOut], env);
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
  const run = await runBundle(['coverage', cdkOut], fakeAwsEnv(ep.url));
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
    const run = await runBundle(argv(), fakeAwsEnv(ep.url));
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out.length).toBeGreaterThan(0);
  },
);
