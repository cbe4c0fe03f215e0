/**
 * `cdk-ec2-scheduler status` against the loopback EC2 endpoint, configured only through the SDK's
 * standard environment (AWS_ENDPOINT_URL_EC2, AWS_REGION, fake credentials), with the cloud
 * assembly of a synthesized stack and without one.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import type { StatusReport } from '../lib/cli/status-command';
import { synthesize } from '../harness/assembly';
import { instanceIdFor, makeInstances, type Ec2Endpoint } from '../harness/ec2';
import { officeHoursBuilder } from './support/app';
import { runCli, useCliWorld, useTempDirs } from './support/cli';

/** Thursday 24 December 2026, 18:00 in New York; Friday 25 December is a skip date. */
const NOW = new Date('2026-12-24T23:00:00Z');
const id = instanceIdFor;

let ep: Ec2Endpoint;
let cdkOut: string;
const tempDir = useTempDirs('status');

useCliWorld(
  officeHoursBuilder('Office', {
    scheduler: { maxOverride: Duration.days(3) },
    schedule: { skipDates: ['2026-12-25'] },
    more: (scheduler) =>
      scheduler.addSchedule('nights', {
        start: 'cron(0 20 ? * * *)',
        // Fridays from 18:00: the next start is the earliest of every start expression.
        additionalStarts: ['cron(0 18 ? * FRI *)'],
        stop: 'cron(0 6 ? * * *)',
        timeZone: 'UTC',
      }),
  }),
  (world) => ({ ep, cdkOut } = world),
);

/** The fleet most tests list. */
function addFleet(): void {
  const at = (n: number, tags: Record<string, string>, state: 'running' | 'stopped' = 'running') =>
    makeInstances(1, { firstIndex: n, tags, state });
  ep.addInstances([
    ...at(1, {
      Name: 'web-1',
      Schedule: 'office-hours',
      'Schedule:override': 'running until 2026-12-26T12:00Z',
      'Schedule:last-action': 'started 2026-12-24T13:00:03Z by office-hours',
    }),
    ...at(
      2,
      { Schedule: 'office-hours', 'Schedule:override': 'stopped until 2026-12-20' },
      'stopped',
    ),
    ...at(3, { Schedule: 'office-hours', 'Schedule:override': 'running until 2027-01-10T00:00Z' }),
    ...at(4, { Schedule: 'office-hours', 'Schedule:override': 'running till tomorrow' }),
    ...at(5, { Schedule: 'nights', 'Schedule:override': 'stopped until 2026-12-25T08:00' }),
    ...at(6, { Name: 'old', Schedule: 'retired' }, 'stopped'),
    ...at(7, { Name: 'untagged' }),
    ...at(8, { Team: 'lab' }),
  ]);
}

beforeEach(() => {
  ep.reset();
});

/** `status --json`, parsed; fails the test unless it exits 0 and prints nothing on stderr. */
async function statusJson(...argv: string[]): Promise<StatusReport> {
  const { code, out, err } = await runCli(['status', ...argv, '--json'], NOW);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as StatusReport;
}

const OFFICE_NEXT = {
  // Friday 25 December is a skip date: no start until Monday; the stop still runs.
  nextStart: { local: '2026-12-28T08:00:00-05:00', utc: '2026-12-28T13:00:00Z' },
  nextStop: { local: '2026-12-25T17:00:00-05:00', utc: '2026-12-25T22:00:00Z' },
};

describe('with the cloud assembly', () => {
  test("--json: every instance with the tag, its override judged with the schedule's time zone and maxOverride, its last action and next start and stop", async () => {
    addFleet();
    const report = await statusJson(cdkOut);
    expect(report).toMatchObject({
      tagKey: 'Schedule',
      region: 'us-east-1',
      at: '2026-12-24T23:00:00Z',
    });
    const byId = new Map(report.instances.map((i) => [i.instanceId, i]));
    // Untagged instances, and those of another tag key, are not listed.
    expect([...byId.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => id(n)));
    expect(byId.get(id(1))).toEqual({
      instanceId: id(1),
      name: 'web-1',
      state: 'running',
      schedule: 'office-hours',
      deployed: true,
      override: {
        value: 'running until 2026-12-26T12:00Z',
        status: 'active',
        state: 'running',
        until: '2026-12-26T12:00:00Z',
      },
      lastAction: 'started 2026-12-24T13:00:03Z by office-hours',
      ...OFFICE_NEXT,
    });
    // A date alone is midnight in the schedule's time zone (New York).
    expect(byId.get(id(2))).toEqual({
      instanceId: id(2),
      state: 'stopped',
      schedule: 'office-hours',
      deployed: true,
      override: {
        value: 'stopped until 2026-12-20',
        status: 'expired',
        state: 'stopped',
        until: '2026-12-20T05:00:00Z',
      },
      ...OFFICE_NEXT,
    });
    expect(byId.get(id(3))?.override).toEqual({
      value: 'running until 2027-01-10T00:00Z',
      status: 'ignored',
      why: '"running until 2027-01-10T00:00Z" reaches 16.1 days ahead, more than the 3 days this scheduler allows (maxOverride); set a nearer time',
    });
    expect(byId.get(id(4))?.override).toEqual({
      value: 'running till tomorrow',
      status: 'ignored',
      why: expect.stringMatching(
        /^"running till tomorrow" is not an override; write "running until <time>"/,
      ),
    });
    // The nights schedule is in UTC: a time without offset is read there.
    expect(byId.get(id(5))).toEqual({
      instanceId: id(5),
      state: 'running',
      schedule: 'nights',
      deployed: true,
      override: {
        value: 'stopped until 2026-12-25T08:00',
        status: 'active',
        state: 'stopped',
        until: '2026-12-25T08:00:00Z',
      },
      nextStart: { local: '2026-12-25T18:00:00+00:00', utc: '2026-12-25T18:00:00Z' },
      nextStop: { local: '2026-12-25T06:00:00+00:00', utc: '2026-12-25T06:00:00Z' },
    });
    expect(byId.get(id(6))).toEqual({
      instanceId: id(6),
      name: 'old',
      state: 'stopped',
      schedule: 'retired',
      deployed: false,
    });
  });

  test('--wide: every column, a row per instance, times local with offsets; then why overrides are ignored', async () => {
    addFleet();
    const { code, out, err } = await runCli(['status', cdkOut, '--wide'], NOW);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out[0]).toBe('6 instance(s) tagged Schedule in us-east-1, at 2026-12-24T23:00:00Z:');
    const header = out[1];
    const columns = [
      'INSTANCE',
      'NAME',
      'STATE',
      'SCHEDULE',
      'OVERRIDE',
      'LAST ACTION',
      'NEXT START',
      'NEXT STOP',
    ];
    expect(header.split(/\s{2,}/)).toEqual(columns);
    const rows = out.slice(2, 8);
    const cells = (row: string) =>
      columns.map((c, k) => {
        const from = header.indexOf(c);
        const to = k + 1 < columns.length ? header.indexOf(columns[k + 1]) : undefined;
        return row.slice(from, to).trim();
      });
    expect(rows.map(cells)).toEqual([
      [
        id(5),
        '-',
        'running',
        'nights',
        'stopped until 2026-12-25T08:00:00+00:00',
        '-',
        '2026-12-25T18:00:00+00:00',
        '2026-12-25T06:00:00+00:00',
      ],
      [
        id(1),
        'web-1',
        'running',
        'office-hours',
        'running until 2026-12-26T07:00:00-05:00',
        'started 2026-12-24T13:00:03Z by office-hours',
        '2026-12-28T08:00:00-05:00',
        '2026-12-25T17:00:00-05:00',
      ],
      [
        id(2),
        '-',
        'stopped',
        'office-hours',
        'expired (stopped until 2026-12-20T00:00:00-05:00)',
        '-',
        '2026-12-28T08:00:00-05:00',
        '2026-12-25T17:00:00-05:00',
      ],
      [
        id(3),
        '-',
        'running',
        'office-hours',
        'ignored (see below)',
        '-',
        '2026-12-28T08:00:00-05:00',
        '2026-12-25T17:00:00-05:00',
      ],
      [
        id(4),
        '-',
        'running',
        'office-hours',
        'ignored (see below)',
        '-',
        '2026-12-28T08:00:00-05:00',
        '2026-12-25T17:00:00-05:00',
      ],
      [id(6), 'old', 'stopped', 'retired (not a deployed schedule)', '-', '-', '-', '-'],
    ]);
    expect(out.slice(8)).toEqual([
      '',
      `${id(3)}: override "running until 2027-01-10T00:00Z" is ignored: "running until 2027-01-10T00:00Z" reaches 16.1 days ahead, more than the 3 days this scheduler allows (maxOverride); set a nearer time`,
      expect.stringMatching(
        new RegExp(
          `^${id(4)}: override "running till tomorrow" is ignored: "running till tomorrow" is not an override; `,
        ),
      ),
    ]);
  });

  test('--schedule lists that schedule only, with a tag:<key> filter; without it, a tag-key filter; pages of 1,000', async () => {
    addFleet();
    const report = await statusJson(cdkOut, '--schedule', 'nights');
    expect(report.instances.map((i) => i.instanceId)).toEqual([id(5)]);
    const [withSchedule] = ep.requests;
    expect(withSchedule.params).toMatchObject({
      Action: 'DescribeInstances',
      MaxResults: '1000',
      'Filter.1.Name': 'tag:Schedule',
      'Filter.1.Value.1': 'nights',
    });
    ep.clearRequests();
    await statusJson(cdkOut);
    expect(ep.requests[0].params).toMatchObject({
      MaxResults: '1000',
      'Filter.1.Name': 'tag-key',
      'Filter.1.Value.1': 'Schedule',
    });
    expect(ep.requests[0].params['Filter.2.Name']).toBeUndefined();
  });

  test('lists every page: 2,500 instances in 3 calls', async () => {
    ep.addInstances(makeInstances(2500, { tags: { Schedule: 'office-hours' }, state: 'stopped' }));
    ep.addInstances(makeInstances(300, { firstIndex: 5000, tags: { Other: 'x' } }));
    const report = await statusJson(cdkOut);
    expect(report.instances).toHaveLength(2500);
    expect(new Set(report.instances.map((i) => i.instanceId)).size).toBe(2500);
    expect(report.instances[0]).toEqual({
      instanceId: id(1),
      state: 'stopped',
      schedule: 'office-hours',
      deployed: true,
      ...OFFICE_NEXT,
    });
    expect(ep.countCalls('DescribeInstances')).toBe(3);
    expect(ep.requests.map((r) => r.params.NextToken === undefined)).toEqual([true, false, false]);
  });

  test('throttled calls are retried by the SDK', async () => {
    addFleet();
    ep.throttleNext(2, 'DescribeInstances');
    const report = await statusJson(cdkOut);
    expect(report.instances).toHaveLength(6);
    expect(ep.throttledCount()).toBe(2);
  });
});

describe('the table fits 120 columns by default', () => {
  /** The table lines of a run: those between the heading and the first empty line. */
  const tableOf = (out: string[]) => out.slice(1, out.includes('') ? out.indexOf('') : undefined);
  const LONG_NAME = 'build-agent-eu-central-1-large';

  test('the next start or stop, times local with their offsets (by weekday within six days), long names shortened; --wide has everything', async () => {
    addFleet();
    ep.addInstances(
      makeInstances(1, {
        firstIndex: 9,
        tags: { Name: LONG_NAME, Schedule: '' },
        state: 'stopped',
      }),
    );
    const { code, out, err } = await runCli(['status', cdkOut], NOW);
    expect(err).toBe('');
    expect(code).toBe(0);
    const table = tableOf(out);
    expect(table).toEqual([
      'INSTANCE             NAME                    STATE    SCHEDULE       OVERRIDE                       NEXT',
      `${id(9)}  build-agent-eu-centra…  stopped  (empty value)  -                              -`,
      `${id(5)}  -                       running  nights         stopped until Fri 08:00+00:00  stop Fri 06:00+00:00`,
      `${id(1)}  web-1                   running  office-hours   running until Sat 07:00-05:00  stop Fri 17:00-05:00`,
      `${id(2)}  -                       stopped  office-hours   expired                        stop Fri 17:00-05:00`,
      `${id(3)}  -                       running  office-hours   ignored (see below)            stop Fri 17:00-05:00`,
      `${id(4)}  -                       running  office-hours   ignored (see below)            stop Fri 17:00-05:00`,
      `${id(6)}  old                     stopped  retired *      -                              -`,
    ]);
    expect(Math.max(...table.map((line) => line.length))).toBeLessThanOrEqual(120);
    expect(out.slice(table.length + 2, table.length + 4)).toEqual([
      '* not a deployed schedule: the cloud assembly has no schedule of this name, so nothing starts or stops these instances or groups; "cdk-ec2-scheduler coverage CDK_OUT_DIR" suggests the closest deployed name.',
      'Names shortened (…) to fit 120 columns; --wide or --json shows them in full.',
    ]);

    const wide = await runCli(['status', cdkOut, '--wide'], NOW);
    expect(wide.out).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${id(9)}  ${LONG_NAME}  stopped  \\(empty value\\)\\s+-\\s+-\\s+-\\s+-$`),
      ),
    );
    expect(wide.out).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${id(6)}\\s+old\\s+stopped\\s+retired \\(not a deployed schedule\\)\\s`),
      ),
    );
  });

  test('a time six days or more ahead by its date, one with seconds to the second; names that fit are not shortened', async () => {
    ep.addInstances([
      ...makeInstances(1, {
        firstIndex: 1,
        tags: {
          Name: 'web-1',
          Schedule: 'office-hours',
          'Schedule:override': 'running until 2026-12-31T12:00Z',
        },
      }),
      ...makeInstances(1, {
        firstIndex: 2,
        tags: {
          Name: 'web-2',
          Schedule: 'office-hours',
          'Schedule:override': 'stopped until 2026-12-27T09:30:15Z',
        },
        state: 'stopped',
      }),
    ]);
    // Without a cloud assembly: the default maxOverride (7 days), times in UTC.
    const { out } = await runCli(['status'], NOW);
    expect(tableOf(out)).toEqual([
      'INSTANCE             NAME   STATE    SCHEDULE      OVERRIDE',
      `${id(1)}  web-1  running  office-hours  running until 2026-12-31 12:00+00:00`,
      `${id(2)}  web-2  stopped  office-hours  stopped until Sun 09:30:15+00:00`,
    ]);
  });

  test('--wide and --json together are a usage error', async () => {
    const { code, err } = await runCli(['status', cdkOut, '--wide', '--json'], NOW);
    expect(code).toBe(2);
    expect(err).toBe('give --wide or --json, not both\nsee "cdk-ec2-scheduler status --help"');
  });
});

describe('without a cloud assembly', () => {
  test('the tag key is Schedule; overrides with an offset are judged against the default maxOverride, those without one are not judged', async () => {
    addFleet();
    const report = await statusJson();
    const byId = new Map(report.instances.map((i) => [i.instanceId, i]));
    expect(byId.size).toBe(6);
    expect(byId.get(id(1))).toEqual({
      instanceId: id(1),
      name: 'web-1',
      state: 'running',
      schedule: 'office-hours',
      override: {
        value: 'running until 2026-12-26T12:00Z',
        status: 'active',
        state: 'running',
        until: '2026-12-26T12:00:00Z',
      },
      lastAction: 'started 2026-12-24T13:00:03Z by office-hours',
    });
    expect(byId.get(id(5))?.override).toEqual({
      value: 'stopped until 2026-12-25T08:00',
      status: 'unknown',
      why: `"stopped until 2026-12-25T08:00" has no UTC offset, so it is read in the schedule's time zone, which only the cloud assembly tells; pass it (e.g. cdk.out)`,
    });
    expect(byId.get(id(3))?.override).toMatchObject({
      status: 'ignored',
      why: expect.stringContaining(
        'more than the 7 days this scheduler allows (maxOverride); set a nearer time (judged against the default maxOverride, 7 days;',
      ),
    });
    expect(byId.get(id(6))).toEqual({
      instanceId: id(6),
      name: 'old',
      state: 'stopped',
      schedule: 'retired',
    });
  });

  test('the table has no next start and stop, and says why', async () => {
    addFleet();
    const { code, out } = await runCli(['status'], NOW);
    expect(code).toBe(0);
    expect(out[1].split(/\s{2,}/)).toEqual(['INSTANCE', 'NAME', 'STATE', 'SCHEDULE', 'OVERRIDE']);
    expect(out).toContainEqual(
      expect.stringMatching(
        new RegExp(`^${id(5)}\\s+-\\s+running\\s+nights\\s+not judged \\(see below\\)$`),
      ),
    );
    // Without a time zone, an override's time is told in UTC.
    expect(out).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^${id(1)}\\s+web-1\\s+running\\s+office-hours\\s+running until Sat 12:00\\+00:00$`,
        ),
      ),
    );
    expect(out[out.length - 1]).toBe(
      'No cloud assembly given: next starts and stops are not shown, and overrides are judged against the default maxOverride (7 days); pass the cdk.out directory for both.',
    );
  });

  test('--tag-key reads another tag; no instance prints one line', async () => {
    addFleet();
    const report = await statusJson('--tag-key', 'Team');
    expect(report.tagKey).toBe('Team');
    expect(report.instances).toEqual([{ instanceId: id(8), state: 'running', schedule: 'lab' }]);
    const { code, out } = await runCli(['status', '--schedule', 'nobody'], NOW);
    expect(code).toBe(0);
    expect(out).toEqual([
      'No instances, Auto Scaling groups or EKS node groups tagged Schedule=nobody in us-east-1.',
    ]);
  });
});

describe('several schedulers in one cloud assembly', () => {
  let multi: string;
  beforeAll(() => {
    multi = synthesize(tempDir(), (app) => {
      const one = new Stack(app, 'One');
      new Ec2Scheduler(one, 'Scheduler').addSchedule('office-hours', {
        start: 'cron(0 8 ? * MON-FRI *)',
        stop: 'cron(0 17 ? * MON-FRI *)',
      });
      new Ec2Scheduler(one, 'TeamScheduler', { tagKey: 'Team' }).addSchedule('lab', {
        start: 'cron(0 9 ? * * *)',
        stop: 'cron(0 21 ? * * *)',
      });
      const two = new Stack(app, 'Two');
      new Ec2Scheduler(two, 'Scheduler').addSchedule('office-hours', {
        start: 'cron(0 9 ? * MON-FRI *)',
        stop: 'cron(0 18 ? * MON-FRI *)',
      });
      return two;
    }).directory;
  });

  test('two tag keys: --tag-key picks one, or --schedule one only one of them has; else exit 2', async () => {
    addFleet();
    const { code, out, err } = await runCli(['status', multi], NOW);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toBe(
      `the cloud assembly "${multi}" has schedulers with the tag keys "Schedule", "Team"; choose one with --tag-key`,
    );
    const lab = await statusJson(multi, '--schedule', 'lab');
    expect(lab.tagKey).toBe('Team');
    expect(lab.instances).toEqual([
      {
        instanceId: id(8),
        state: 'running',
        schedule: 'lab',
        deployed: true,
        nextStart: { local: '2026-12-25T09:00:00+00:00', utc: '2026-12-25T09:00:00Z' },
        nextStop: { local: '2026-12-25T21:00:00+00:00', utc: '2026-12-25T21:00:00Z' },
      },
    ]);
    const unknownKey = await runCli(['status', multi, '--tag-key', 'Owner'], NOW);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.err).toBe(
      `--tag-key "Owner": the cloud assembly "${multi}" has no schedules for it; its tag keys: "Schedule", "Team"`,
    );
  });

  test('a schedule two stacks define differently: no next start and stop, overrides not judged, and a note', async () => {
    addFleet();
    const report = await statusJson(multi, '--tag-key', 'Schedule', '--schedule', 'office-hours');
    const note =
      'schedule "office-hours" is defined differently in the stacks One, Two of the cloud assembly; pass the cloud assembly of one stage (e.g. cdk.out/assembly-<stage>)';
    expect(report.instances.find((i) => i.instanceId === id(1))).toEqual({
      instanceId: id(1),
      name: 'web-1',
      state: 'running',
      schedule: 'office-hours',
      deployed: true,
      override: { value: 'running until 2026-12-26T12:00Z', status: 'unknown', why: note },
      lastAction: 'started 2026-12-24T13:00:03Z by office-hours',
      note,
    });
  });
});

describe('errors', () => {
  test('an AWS error exits 1 with the call, the error code and the message', async () => {
    ep.injectFault({
      action: 'DescribeInstances',
      respond: {
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
      },
    });
    const { code, out, err } = await runCli(['status'], NOW);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toBe(
      'DescribeInstances failed: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
  });

  test('no Region configured exits 1 and says how to set one', async () => {
    const saved = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const { code, err } = await runCli(['status'], NOW);
      expect(code).toBe(1);
      expect(err).toBe(
        'no AWS Region is configured; set AWS_REGION, or the region of the profile in AWS_PROFILE',
      );
    } finally {
      process.env.AWS_REGION = saved;
    }
    expect(ep.countCalls()).toBe(0);
  });

  test.each([
    [
      'a directory that is not a cloud assembly',
      () => ['status', tempDir()],
      /is not a cloud assembly \(no manifest\.json\)/,
    ],
    ['two directories', () => ['status', cdkOut, cdkOut], /^unexpected argument/],
    [
      "another command's flag",
      () => ['status', '--from', 'x'],
      /^status takes no --from \(preview does\); its flags are --account, --region, --role-name, --schedule, --tag-key, --wide, --json$/,
    ],
    [
      'a misspelt flag',
      () => ['status', '--tag-keys', 'Team'],
      /^unknown flag --tag-keys; did you mean --tag-key\?$/,
    ],
    [
      'an empty --schedule',
      () => ['status', '--schedule', ''],
      /^--schedule is empty; give a value/,
    ],
  ])(
    '%s exits 2 with one line and where the usage is, and calls nothing',
    async (_what, argv, message) => {
      const { code, out, err } = await runCli(argv(), NOW);
      expect(code).toBe(2);
      expect(out).toEqual([]);
      const [line, see, ...more] = err.split('\n');
      expect(line).toMatch(message);
      expect(see).toBe('see "cdk-ec2-scheduler status --help"');
      expect(more).toEqual([]);
      expect(ep.countCalls()).toBe(0);
    },
  );
});
