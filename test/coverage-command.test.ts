/**
 * `cdk-ec2-scheduler coverage` against the loopback EC2 endpoint, configured only through the
 * SDK's standard environment, with the cloud assembly of a synthesized stack and without one.
 */
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import type { CoverageReport } from '../lib/cli/coverage-command';
import { synthesize } from '../harness/assembly';
import {
  instanceIdFor,
  makeInstances,
  type Ec2Endpoint,
  type InstanceStateName,
} from '../harness/ec2';
import { officeHoursBuilder } from './support/app';
import { type GroupFakes, runCli, setEnv, useCliWorld, useTempDirs } from './support/cli';

const NOW = new Date('2026-12-24T23:00:00Z');
const id = instanceIdFor;

let ep: Ec2Endpoint;
let groups: GroupFakes;
let cdkOut: string;
const tempDir = useTempDirs('coverage');

useCliWorld(
  officeHoursBuilder('Office', {
    more: (scheduler) => {
      scheduler.addSchedule('nights', { start: 'cron(0 20 ? * * *)', stop: 'cron(0 6 ? * * *)' });
      scheduler.addSchedule('weekends', { stop: 'cron(0 18 ? * FRI *)' });
    },
  }),
  (world) => ({ ep, groups, cdkOut } = world),
);

beforeEach(() => {
  groups.reset();
  ep.reset();
});

/** The fleet most tests list. */
function addFleet(): void {
  const at = (n: number, tags: Record<string, string>, state: InstanceStateName = 'running') =>
    makeInstances(1, { firstIndex: n, tags, state });
  ep.addInstances([
    ...at(1, { Name: 'web-1', Schedule: 'office-hours' }),
    ...at(2, { Schedule: 'office-hours' }, 'stopped'),
    ...at(3, { Name: 'web-3', Schedule: 'office-hour' }),
    ...at(4, { Name: 'old', Schedule: 'retired' }, 'stopped'),
    ...at(5, { Name: 'batch', Schedule: 'nights' }, 'stopping'),
    ...at(6, { Name: 'blank', Schedule: '' }),
    ...at(7, { Name: 'build-agent' }),
    ...at(8, { Team: 'lab' }, 'pending'),
    ...at(9, { Name: 'gone', Schedule: 'office-hours' }, 'terminated'),
    ...at(10, { Name: 'going' }, 'shutting-down'),
  ]);
}

/** `coverage --json`, parsed; fails the test unless it exits 0 and prints nothing on stderr. */
async function coverageJson(...argv: string[]): Promise<CoverageReport> {
  const { code, out, err } = await runCli(['coverage', ...argv, '--json'], NOW);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as CoverageReport;
}

describe('with the cloud assembly', () => {
  test('--json: scheduled by schedule, names no deployed schedule has with a suggestion, unscheduled; terminated left out', async () => {
    addFleet();
    expect(await coverageJson(cdkOut)).toEqual({
      tagKey: 'Schedule',
      account: '123456789012',
      region: 'us-east-1',
      at: '2026-12-24T23:00:00Z',
      fromAssembly: true,
      deployedSchedules: ['nights', 'office-hours', 'weekends'],
      counts: { total: 8, scheduled: 3, notDeployed: 3, unscheduled: 2 },
      scheduled: [
        {
          schedule: 'nights',
          count: 1,
          instances: [{ instanceId: id(5), name: 'batch', state: 'stopping' }],
        },
        {
          schedule: 'office-hours',
          count: 2,
          instances: [
            { instanceId: id(1), name: 'web-1', state: 'running' },
            { instanceId: id(2), state: 'stopped' },
          ],
        },
        // A deployed schedule that no instance carries is listed too.
        { schedule: 'weekends', count: 0, instances: [] },
      ],
      notDeployed: [
        {
          schedule: '',
          count: 1,
          instances: [{ instanceId: id(6), name: 'blank', state: 'running' }],
        },
        {
          schedule: 'office-hour',
          count: 1,
          instances: [{ instanceId: id(3), name: 'web-3', state: 'running' }],
          suggestion: 'office-hours',
        },
        // Unrelated to every deployed name: no suggestion.
        {
          schedule: 'retired',
          count: 1,
          instances: [{ instanceId: id(4), name: 'old', state: 'stopped' }],
        },
      ],
      unscheduled: {
        count: 2,
        instances: [
          { instanceId: id(7), name: 'build-agent', state: 'running' },
          { instanceId: id(8), state: 'pending' },
        ],
      },
      groups: { scheduled: [], notDeployed: [], untagged: [], ownedByEks: 0 },
    });
  });

  test('the text: a header, then each group with its counts, instance rows aligned', async () => {
    addFleet();
    const { code, out, err } = await runCli(['coverage', cdkOut], NOW);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toEqual([
      'Coverage of the Schedule tag in account 123456789012, us-east-1, at 2026-12-24T23:00:00Z: 8 instance(s), terminated ones left out.',
      'Deployed schedules (from the cloud assembly): nights, office-hours, weekends.',
      '',
      'Scheduled: 3 instance(s) in 3 schedule(s)',
      '  nights: 1',
      `    ${id(5)}  batch        stopping`,
      '  office-hours: 2',
      `    ${id(1)}  web-1        running`,
      `    ${id(2)}  -            stopped`,
      '  weekends: 0',
      '',
      'Not a deployed schedule: 3 instance(s) in 3 name(s)',
      '  (empty value): 1',
      `    ${id(6)}  blank        running`,
      '  office-hour: 1 (did you mean "office-hours"?)',
      `    ${id(3)}  web-3        running`,
      '  retired: 1',
      `    ${id(4)}  old          stopped`,
      '',
      'Unscheduled (no Schedule tag): 2 instance(s)',
      `    ${id(7)}  build-agent  running`,
      `    ${id(8)}  -            pending`,
    ]);
  });

  test('one DescribeInstances filter leaves out shutting-down and terminated instances; pages of 1,000', async () => {
    addFleet();
    await coverageJson(cdkOut);
    expect(ep.requests).toHaveLength(1);
    const { params } = ep.requests[0];
    expect(params).toMatchObject({
      Action: 'DescribeInstances',
      MaxResults: '1000',
      'Filter.1.Name': 'instance-state-name',
    });
    const states = Object.keys(params)
      .filter((k) => k.startsWith('Filter.1.Value.'))
      .map((k) => params[k]);
    expect(states.sort()).toEqual(['pending', 'running', 'stopped', 'stopping']);
    expect(params['Filter.2.Name']).toBeUndefined();
  });

  test('lists every page: 2,600 instances in 3 calls', async () => {
    ep.addInstances(makeInstances(1500, { tags: { Schedule: 'office-hours' }, state: 'stopped' }));
    ep.addInstances(makeInstances(800, { firstIndex: 5000, tags: { Schedule: 'ofice-hours' } }));
    ep.addInstances(makeInstances(300, { firstIndex: 9000 }));
    ep.addInstances(makeInstances(50, { firstIndex: 9500, state: 'terminated' }));
    const report = await coverageJson(cdkOut);
    expect(report.counts).toEqual({
      total: 2600,
      scheduled: 1500,
      notDeployed: 800,
      unscheduled: 300,
    });
    const office = report.scheduled.find((g) => g.schedule === 'office-hours');
    expect(new Set(office?.instances.map((i) => i.instanceId)).size).toBe(1500);
    expect(report.notDeployed).toEqual([
      expect.objectContaining({ schedule: 'ofice-hours', count: 800, suggestion: 'office-hours' }),
    ]);
    expect(report.unscheduled.instances.at(-1)?.instanceId).toBe(id(9299));
    expect(ep.countCalls('DescribeInstances')).toBe(3);
    expect(ep.requests.map((r) => r.params.NextToken === undefined)).toEqual([true, false, false]);
  });

  test('the tag key comes from the cloud assembly', async () => {
    const teams = synthesize(tempDir(), (app) => {
      const stack = new Stack(app, 'Teams');
      new Ec2Scheduler(stack, 'Scheduler', { tagKey: 'Team' }).addSchedule('lab', {
        start: 'cron(0 9 ? * * *)',
        stop: 'cron(0 21 ? * * *)',
      });
      return stack;
    }).directory;
    addFleet();
    ep.addInstances(makeInstances(1, { firstIndex: 20, tags: { Team: 'Lab' } }));
    const report = await coverageJson(teams);
    expect(report.tagKey).toBe('Team');
    expect(report.scheduled).toEqual([
      { schedule: 'lab', count: 1, instances: [{ instanceId: id(8), state: 'pending' }] },
    ]);
    // Tag values are case-sensitive: "Lab" is no schedule, and the closest name.
    expect(report.notDeployed).toEqual([
      {
        schedule: 'Lab',
        count: 1,
        instances: [{ instanceId: id(20), state: 'running' }],
        suggestion: 'lab',
      },
    ]);
    // The Schedule tag means nothing here.
    expect(report.unscheduled.count).toBe(7);
    const { out } = await runCli(['coverage', teams], NOW);
    expect(out).toContain('Unscheduled (no Team tag): 7 instance(s)');
  });
});

describe('without a cloud assembly', () => {
  test('the names are read from the tag values, and the output says so; a value close to a commoner one is a likely typo', async () => {
    addFleet();
    const report = await coverageJson();
    expect(report.fromAssembly).toBe(false);
    expect(report.deployedSchedules).toBeUndefined();
    expect(report.counts).toEqual({ total: 8, scheduled: 5, notDeployed: 1, unscheduled: 2 });
    expect(report.scheduled.map((g) => [g.schedule, g.count, g.likelyTypoOf])).toEqual([
      ['nights', 1, undefined],
      ['office-hour', 1, 'office-hours'],
      ['office-hours', 2, undefined],
      ['retired', 1, undefined],
    ]);
    expect(report.notDeployed).toEqual([
      {
        schedule: '',
        count: 1,
        instances: [{ instanceId: id(6), name: 'blank', state: 'running' }],
      },
    ]);
    const { code, out } = await runCli(['coverage'], NOW);
    expect(code).toBe(0);
    expect(out.slice(0, 4)).toEqual([
      'Coverage of the Schedule tag in account 123456789012, us-east-1, at 2026-12-24T23:00:00Z: 8 instance(s), terminated ones left out.',
      'No cloud assembly given: the schedule names are read from the Schedule tag values found, so a misspelt name cannot be told from a deployed one; pass the cdk.out directory to check them against the deployed schedules.',
      '',
      'Tagged (names from the tag values): 5 instance(s) in 4 schedule(s)',
    ]);
    expect(out).toContain(
      '  office-hour: 1 (likely a typo of "office-hours", which more instances carry)',
    );
    expect(out).toContain('Empty schedule tag: 1 instance(s) in 1 name(s)');
  });

  test('equally common values are no typo of each other; --tag-key reads another tag; no instance at all', async () => {
    ep.addInstances(makeInstances(2, { tags: { Schedule: 'lab-1' } }));
    ep.addInstances(makeInstances(2, { firstIndex: 3, tags: { Schedule: 'lab-2' } }));
    const report = await coverageJson();
    expect(report.scheduled.map((g) => g.likelyTypoOf)).toEqual([undefined, undefined]);
    expect((await coverageJson('--tag-key', 'Team')).counts).toEqual({
      total: 4,
      scheduled: 0,
      notDeployed: 0,
      unscheduled: 4,
    });
    ep.reset();
    const { code, out } = await runCli(['coverage'], NOW);
    expect(code).toBe(0);
    // No instance: no owner to read the account from.
    expect(out[0]).toBe(
      'Coverage of the Schedule tag in us-east-1, at 2026-12-24T23:00:00Z: 0 instance(s), terminated ones left out.',
    );
    expect(out.slice(3)).toEqual([
      'Tagged (names from the tag values): 0 instance(s) in 0 schedule(s)',
      '',
      'Unscheduled (no Schedule tag): 0 instance(s)',
    ]);
  });
});

describe('errors', () => {
  test('an AWS error exits 1 with the call, the error code and the message', async () => {
    addFleet();
    ep.injectFault({
      action: 'DescribeInstances',
      respond: {
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
      },
    });
    const { code, out, err } = await runCli(['coverage', cdkOut], NOW);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toBe(
      'DescribeInstances failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
  });

  test('no credentials exits 1 and says so', async () => {
    const restore = setEnv({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const { code, out, err } = await runCli(['coverage'], NOW);
      expect(code).toBe(1);
      expect(out).toEqual([]);
      expect(err).toMatch(
        /^DescribeInstances failed: no AWS credentials: Could not load credentials from any providers; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
    } finally {
      restore();
    }
    expect(ep.countCalls()).toBe(0);
  });

  test.each([
    [
      'a directory that is not a cloud assembly',
      () => ['coverage', tempDir()],
      /is not a cloud assembly \(no manifest\.json\)/,
      true,
    ],
    ['two directories', () => ['coverage', cdkOut, cdkOut], /^unexpected argument/, true],
    [
      'an unknown flag',
      () => ['coverage', '--schedule', 'x'],
      /^coverage takes no --schedule \(status does\); its flags are --account, --region, --role-name, --tag-key, --json$/,
      true,
    ],
    ['an empty --tag-key', () => ['coverage', '--tag-key', ''], /^--tag-key is empty/, true],
    [
      'a --tag-key the cloud assembly has no schedules for',
      () => ['coverage', cdkOut, '--tag-key', 'Team'],
      /^--tag-key "Team": the cloud assembly ".*" has no schedules for it; its tag keys: "Schedule"$/,
      false,
    ],
  ])('%s exits 2, and calls nothing', async (_what, argv, message, usage) => {
    const { code, out, err } = await runCli(argv(), NOW);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    // One line; a bad argument adds where the usage is (the values the checks refuse do not).
    const [line, ...more] = err.split('\n');
    expect(line).toMatch(message);
    expect(more).toEqual(usage ? ['see "cdk-ec2-scheduler coverage --help"'] : []);
    expect(ep.countCalls()).toBe(0);
  });
});

describe('Auto Scaling groups', () => {
  /** Groups tagged with a deployed name, a misspelt one, an empty one, none; and one EKS owns. */
  function addGroups(): void {
    const group = (name: string, tags: Record<string, string>) =>
      groups.autoScaling.addGroup({
        name,
        minSize: 0,
        maxSize: 2,
        tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      });
    group('web-fleet', { Schedule: 'office-hours' });
    group('batch', { Schedule: 'Nights' });
    group('blank', { Schedule: '' });
    group('workers', { Team: 'lab' });
    groups.eks.addNodegroup({ clusterName: 'dev', name: 'ng', minSize: 0, maxSize: 2 });
  }

  test('--json: every group by its own tag: scheduled, a misspelt name with did-you-mean, untagged; the groups EKS owns counted apart', async () => {
    addGroups();
    const report = await coverageJson(cdkOut);
    expect(report.groups).toEqual({
      scheduled: [{ name: 'web-fleet', schedule: 'office-hours' }],
      notDeployed: [
        { name: 'batch', schedule: 'Nights', suggestion: 'nights' },
        { name: 'blank', schedule: '' },
      ],
      untagged: [{ name: 'workers' }],
      ownedByEks: 1,
    });
    // Every group: no filter.
    const [call] = groups.autoScaling.calls('DescribeAutoScalingGroups');
    expect(call.params['Filters.member.1.Name']).toBeUndefined();
  });

  test('the text lists them after the instances', async () => {
    addGroups();
    const { code, out } = await runCli(['coverage', cdkOut], NOW);
    expect(code).toBe(0);
    expect(
      out.slice(
        out.indexOf(
          'Auto Scaling groups: 4 (and 1 that EKS owns for managed node groups, left out: tag the node group instead)',
        ),
      ),
    ).toEqual([
      'Auto Scaling groups: 4 (and 1 that EKS owns for managed node groups, left out: tag the node group instead)',
      '  Scheduled: 1',
      '    web-fleet  office-hours',
      '  Not a deployed schedule: 2',
      '    batch  Nights (did you mean "nights"?)',
      '    blank  (empty value)',
      '  Unscheduled (no Schedule tag): 1',
      '    workers',
    ]);
  });
});
