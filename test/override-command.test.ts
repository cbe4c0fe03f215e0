/**
 * `cdk-ec2-scheduler override` against the loopback EC2 endpoint, configured only through the
 * SDK's standard environment: what it writes, and that every refusal exits 2 and writes nothing.
 */
import { Duration } from 'aws-cdk-lib';
import { instanceIdFor, makeInstances, type Ec2Endpoint } from '../harness/ec2';
import { officeHoursBuilder } from './support/app';
import { runCli, useCliWorld } from './support/cli';

/** Thursday 24 December 2026, 18:00 in New York. */
const NOW = new Date('2026-12-24T23:00:00Z');
const id = instanceIdFor;
const KEY = 'Schedule:override';

let ep: Ec2Endpoint;
let cdkOut: string;

useCliWorld(
  officeHoursBuilder('Office', {
    scheduler: { maxOverride: Duration.days(3) },
    more: (scheduler) =>
      scheduler.addSchedule('nights', {
        start: 'cron(0 20 ? * * *)',
        stop: 'cron(0 6 ? * * *)',
        timeZone: 'UTC',
      }),
  }),
  (world) => ({ ep, cdkOut } = world),
);

beforeEach(() => {
  ep.reset();
  const at = (n: number, tags: Record<string, string>) =>
    makeInstances(1, { firstIndex: n, tags, state: 'stopped' });
  ep.addInstances([
    ...at(1, { Name: 'web-1', Schedule: 'office-hours' }),
    ...at(2, { Schedule: 'office-hours', [KEY]: 'stopped until 2026-12-25T12:00Z' }),
    ...at(3, { Schedule: 'nights' }),
    ...at(4, { Name: 'no-schedule' }),
    ...at(5, { Schedule: 'retired' }),
  ]);
});

const tagsOf = (n: number) => ep.instance(id(n))?.tags;
/** What `override` says on stderr when it writes without a cloud assembly. */
const NO_ASSEMBLY_NOTE =
  'no cloud assembly given: the time was checked against the default maxOverride (7 days), not the deployed one; pass the cloud assembly (e.g. cdk.out, as the last argument) to check against that';
const writes = () => ep.countCalls('CreateTags') + ep.countCalls('DeleteTags');

describe('writes', () => {
  test("a time without offset is read in the schedule's time zone; one CreateTags call sets the tag on every instance", async () => {
    const { code, out, err } = await runCli(
      ['override', id(1), id(2), '--running-until', '2026-12-26T08:00', cdkOut],
      NOW,
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const value = 'running until 2026-12-26T13:00:00Z';
    expect(tagsOf(1)).toEqual({ Name: 'web-1', Schedule: 'office-hours', [KEY]: value });
    expect(tagsOf(2)).toEqual({ Schedule: 'office-hours', [KEY]: value });
    expect(ep.countCalls('CreateTags')).toBe(1);
    const [create] = ep.requests.filter((r) => r.action === 'CreateTags');
    expect(create.instanceIds).toEqual([id(1), id(2)]);
    expect(create.params).toMatchObject({ 'Tag.1.Key': KEY, 'Tag.1.Value': value });
    expect(create.params['Tag.2.Key']).toBeUndefined();
    expect(out).toEqual([
      `${id(1)} (web-1): set ${KEY} = "${value}" (2026-12-26T08:00:00-05:00 America/New_York)`,
      `${id(2)}: set ${KEY} = "${value}" (2026-12-26T08:00:00-05:00 America/New_York)`,
    ]);
  });

  test('instances of schedules in different time zones get the instant of their own zone', async () => {
    const { code } = await runCli(
      ['override', id(1), id(3), '--stopped-until', '2026-12-25T12:00', cdkOut],
      NOW,
    );
    expect(code).toBe(0);
    expect(tagsOf(1)?.[KEY]).toBe('stopped until 2026-12-25T17:00:00Z');
    expect(tagsOf(3)?.[KEY]).toBe('stopped until 2026-12-25T12:00:00Z');
    expect(ep.countCalls('CreateTags')).toBe(2);
  });

  test('without a cloud assembly: a time with an offset, checked against the default maxOverride (7 days), which stderr says', async () => {
    // The deployment allows 3 days (see the world above); 5.4 days passes the default.
    const { code, out, err } = await runCli(
      ['override', id(3), '--stopped-until', '2026-12-30T09:30+01:00'],
      NOW,
    );
    expect(code).toBe(0);
    expect(tagsOf(3)?.[KEY]).toBe('stopped until 2026-12-30T08:30:00Z');
    expect(out).toEqual([`${id(3)}: set ${KEY} = "stopped until 2026-12-30T08:30:00Z"`]);
    expect(err).toBe(NO_ASSEMBLY_NOTE);
  });

  test('--force without a cloud assembly writes a time beyond the default 7 days, and stderr says what it was checked against', async () => {
    const { code, out, err } = await runCli(
      ['override', id(3), '--running-until', '2027-01-20T00:00Z', '--force'],
      NOW,
    );
    expect(code).toBe(0);
    expect(tagsOf(3)?.[KEY]).toBe('running until 2027-01-20T00:00:00Z');
    expect(out).toEqual([`${id(3)}: set ${KEY} = "running until 2027-01-20T00:00:00Z"`]);
    expect(err).toBe(
      'no cloud assembly given: --force checked the time only against the longest maxOverride any deployment allows (366 days); the functions ignore it if it reaches further than the deployed maxOverride, which only the cloud assembly (e.g. cdk.out, as the last argument) tells',
    );
  });

  test('the help documents --force', async () => {
    const { code, out } = await runCli(['override', '--help']);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(
      /--force {11}without CDK_OUT_DIR: write a TIME up to 366 days ahead, for a deployment\n {20}whose maxOverride is longer than 7 days/,
    );
  });

  test('--clear deletes the tag with DeleteTags, whatever its value, and says what it was', async () => {
    const { code, out } = await runCli(['override', id(2), id(1), '--clear'], NOW);
    expect(code).toBe(0);
    expect(tagsOf(2)).toEqual({ Schedule: 'office-hours' });
    expect(ep.countCalls('DeleteTags')).toBe(1);
    const [del] = ep.requests.filter((r) => r.action === 'DeleteTags');
    expect(del.instanceIds).toEqual([id(2), id(1)]);
    expect(del.params).toMatchObject({ 'Tag.1.Key': KEY });
    expect(del.params['Tag.1.Value']).toBeUndefined();
    expect(out).toEqual([
      `${id(2)}: removed ${KEY} (was "stopped until 2026-12-25T12:00Z")`,
      `${id(1)} (web-1): removed ${KEY} (it had none)`,
    ]);
  });

  test('--tag-key names the tag: <key>:override', async () => {
    ep.updateInstance(id(4), { tags: { Team: 'lab' } });
    const { code } = await runCli(
      ['override', id(4), '--tag-key', 'Team', '--running-until', '2026-12-25T12:00Z'],
      NOW,
    );
    expect(code).toBe(0);
    expect(tagsOf(4)).toEqual({
      Team: 'lab',
      'Team:override': 'running until 2026-12-25T12:00:00Z',
    });
  });

  test('an AWS error on the write exits 1 with the call, the code and the message', async () => {
    ep.injectFault({
      action: 'CreateTags',
      respond: {
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
      },
    });
    const { code, out, err } = await runCli(
      ['override', id(1), '--running-until', '2026-12-25T12:00Z'],
      NOW,
    );
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toBe(
      `${NO_ASSEMBLY_NOTE}\nCreateTags failed: UnauthorizedOperation: You are not authorized to perform this operation.`,
    );
  });
});

describe('refusals exit 2 and write nothing', () => {
  test.each([
    [
      'two of the three flags',
      () => ['override', id(1), '--running-until', '2026-12-25T12:00Z', '--clear'],
      '--running-until and --clear given; give only one of --running-until TIME, --stopped-until TIME and --clear',
    ],
    [
      'none of them',
      () => ['override', id(1)],
      'give one of --running-until TIME, --stopped-until TIME and --clear',
    ],
    [
      'a malformed instance id',
      () => ['override', id(1), 'i-12345', '--clear'],
      '"i-12345" is not an instance id (i- and 8 or 17 hexadecimal digits, such as i-0123456789abcdef0), nor a cloud assembly directory',
    ],
    [
      'no instance id',
      () => ['override', '--clear', cdkOut],
      'give the ids of the instances to override',
    ],
    [
      'an unknown instance',
      () => ['override', id(1), id(99), '--running-until', '2026-12-25T12:00Z'],
      `DescribeInstances failed: InvalidInstanceID.NotFound: The instance ID '${id(99)}' does not exist; check the ids, and that AWS_PROFILE and AWS_REGION select the instances' account and Region (Region in use: us-east-1)`,
    ],
    [
      'an instance without the schedule tag',
      () => ['override', id(1), id(4), '--running-until', '2026-12-25T12:00Z'],
      `nothing was written:\n${id(4)}: has no Schedule tag, so no schedule acts on it; tag it Schedule=<schedule> first`,
    ],
    [
      'a schedule the cloud assembly does not deploy',
      () => ['override', id(5), id(1), '--running-until', '2026-12-25T12:00', cdkOut],
      `nothing was written:\n${id(5)}: its Schedule tag "retired" is not a schedule of the cloud assembly (office-hours, nights)`,
    ],
    [
      'a time the functions cannot read',
      () => ['override', id(1), '--stopped-until', 'tomorrow'],
      `--stopped-until "tomorrow" is not a time the functions read: "stopped until tomorrow" has "tomorrow", which is not an ISO 8601 time;`,
    ],
    [
      'a date that does not exist',
      () => ['override', id(1), '--stopped-until', '2026-02-30'],
      `--stopped-until "2026-02-30" is not a time the functions read: "stopped until 2026-02-30" has "2026-02-30", which is not a real date and time;`,
    ],
    [
      'an offset no place uses',
      () => ['override', id(1), '--stopped-until', '2026-12-26T08:00+15:00'],
      `--stopped-until "2026-12-26T08:00+15:00" is not a time the functions read: "stopped until 2026-12-26T08:00+15:00" has "2026-12-26t08:00+15:00", whose UTC offset +15:00 does not exist (UTC offsets run from -12:00 to +14:00);`,
    ],
    [
      'a time already past',
      () => ['override', id(1), id(2), '--running-until', '2026-12-24T17:59', cdkOut],
      `nothing was written:\n${id(1)}, ${id(2)}: --running-until "2026-12-24T17:59" is 2026-12-24T22:59:00Z (2026-12-24T17:59:00-05:00 America/New_York), which has passed (it is now 2026-12-24T23:00:00Z); give a later time`,
    ],
    [
      "a time beyond the schedule's maxOverride",
      () => ['override', id(1), '--running-until', '2026-12-28', cdkOut],
      `nothing was written:\n${id(1)}: --running-until "2026-12-28": "running until 2026-12-28T05:00:00Z" reaches 3.3 days ahead, more than the 3 days this scheduler allows (maxOverride); set a nearer time`,
    ],
    [
      'a time beyond the default maxOverride, without a cloud assembly',
      () => ['override', id(3), '--running-until', '2027-01-01T00:00Z'],
      `nothing was written:\n${id(3)}: --running-until "2027-01-01T00:00Z": "running until 2027-01-01T00:00:00Z" reaches 7.1 days ahead, more than the 7 days this scheduler allows (maxOverride); set a nearer time (the default maxOverride; pass the cloud assembly for the deployed one, or --force if the deployment allows more)`,
    ],
    [
      'with --force, a time beyond the longest maxOverride any deployment allows (366 days)',
      () => ['override', id(3), '--running-until', '2027-12-26T00:00Z', '--force'],
      `nothing was written:\n${id(3)}: --running-until "2027-12-26T00:00Z": "running until 2027-12-26T00:00:00Z" reaches 366.1 days ahead, more than the 366 days this scheduler allows (maxOverride); set a nearer time (the longest maxOverride any deployment allows)`,
    ],
    [
      '--force with a cloud assembly, whose maxOverride is known',
      () => ['override', id(1), '--running-until', '2027-01-01T00:00Z', '--force', cdkOut],
      '--force applies only without a cloud assembly: with CDK_OUT_DIR the deployed maxOverride is known, and the functions would ignore a time beyond it',
    ],
    [
      '--force with --clear',
      () => ['override', id(1), '--clear', '--force'],
      '--force applies only to --running-until and --stopped-until',
    ],
    [
      'a time without offset, without a cloud assembly',
      () => ['override', id(1), '--running-until', '2026-12-25T12:00'],
      `nothing was written:\n${id(1)}: --running-until "2026-12-25T12:00" has no UTC offset, and without a cloud assembly the schedule's time zone is unknown; add an offset (such as Z or +01:00) or pass the cloud assembly (e.g. cdk.out)`,
    ],
    [
      'a tag key the cloud assembly does not have',
      () => ['override', id(1), '--clear', '--tag-key', 'Team', cdkOut],
      () =>
        `--tag-key "Team": the cloud assembly "${cdkOut}" has no schedules for it; its tag keys: "Schedule"`,
    ],
  ])('%s', async (_what, argv, message: string | (() => string)) => {
    const before = ep.instances();
    const { code, out, err } = await runCli(argv(), NOW);
    expect(err).toContain(typeof message === 'string' ? message : message());
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(writes()).toBe(0);
    expect(ep.instances()).toEqual(before);
  });

  test('an id EC2 calls malformed exits 2 too', async () => {
    ep.injectFault({
      action: 'DescribeInstances',
      respond: { code: 'InvalidInstanceID.Malformed', message: `Invalid id: "${id(1)}"` },
    });
    const { code, err } = await runCli(['override', id(1), '--clear'], NOW);
    expect(code).toBe(2);
    expect(err).toMatch(/^DescribeInstances failed: InvalidInstanceID.Malformed: Invalid id: /);
    expect(writes()).toBe(0);
  });

  test('a terminated instance is refused, and the other instance is not written either', async () => {
    ep.updateInstance(id(2), { state: 'terminated' });
    const { code, err } = await runCli(
      ['override', id(1), id(2), '--stopped-until', '2026-12-25T12:00Z'],
      NOW,
    );
    expect(code).toBe(2);
    expect(err).toBe(`nothing was written:\n${id(2)}: is terminated`);
    expect(writes()).toBe(0);
  });
});
