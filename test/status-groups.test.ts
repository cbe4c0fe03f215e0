/**
 * `cdk-ec2-scheduler status` with Auto Scaling groups and EKS managed node groups, against the
 * loopback EC2, Auto Scaling, EKS and Tagging API endpoints (reached through the SDK's standard
 * environment): the groups found as the functions find them, with their current and saved sizes;
 * the instances of a group shown as members, never as instances the scheduler starts or stops.
 */
import type { StatusReport } from '../lib/cli/status-command';
import { instanceIdFor, makeInstances, type Ec2Endpoint } from '../harness/ec2';
import { officeHoursBuilder } from './support/app';
import { type GroupFakes, runCli, useCliWorld } from './support/cli';

/** Thursday 24 December 2026, 18:00 in New York: office hours are over. */
const NOW = new Date('2026-12-24T23:00:00Z');
const id = instanceIdFor;
/** The first instance the Auto Scaling fake launches. */
const FIRST_MEMBER = 0xa5c000;

let ep: Ec2Endpoint;
let groups: GroupFakes;
let cdkOut: string;

useCliWorld(
  officeHoursBuilder('Office', {
    more: (scheduler) =>
      scheduler.addSchedule('nights', { start: 'cron(0 20 ? * * *)', stop: 'cron(0 6 ? * * *)' }),
  }),
  (world) => ({ ep, groups, cdkOut } = world),
);

beforeEach(() => {
  groups.reset();
  ep.reset();
});

const tag = (key: string, value: string, propagateAtLaunch = false) => ({
  key,
  value,
  propagateAtLaunch,
});

/**
 * An instance; a running group (its schedule tag propagating to its 2 members); a group a stop
 * scaled to zero (its size saved); a group of another tag; a node group (backed by a group EKS
 * owns, with 2 members); an instance of a group that is not scheduled, carrying the tag itself.
 */
function addFleet(): void {
  ep.addInstances(
    makeInstances(1, { firstIndex: 1, tags: { Name: 'web-1', Schedule: 'office-hours' } }),
  );
  groups.autoScaling.addGroup({
    name: 'web-fleet',
    minSize: 1,
    desiredCapacity: 2,
    maxSize: 4,
    tags: [
      tag('Schedule', 'office-hours', true),
      tag('Schedule:override', 'running until 2026-12-25T02:00Z'),
    ],
  });
  groups.autoScaling.addGroup({
    name: 'batch',
    minSize: 0,
    desiredCapacity: 0,
    maxSize: 6,
    tags: [
      tag('Schedule', 'office-hours'),
      tag('Schedule:size', '2,3,6'),
      tag('Schedule:last-action', 'stopped 2026-12-24T22:00:04Z by office-hours'),
    ],
  });
  groups.autoScaling.addGroup({
    name: 'team-pool',
    minSize: 1,
    maxSize: 1,
    tags: [tag('Team', 'lab')],
  });
  groups.eks.addNodegroup({
    clusterName: 'dev',
    name: 'workers',
    minSize: 1,
    desiredSize: 2,
    maxSize: 3,
    tags: { Schedule: 'nights' },
  });
  ep.addInstances(
    makeInstances(1, {
      firstIndex: 2,
      tags: {
        Schedule: 'office-hours',
        'Schedule:override': 'running until 2026-12-25T02:00Z',
        'aws:autoscaling:groupName': 'legacy',
      },
    }),
  );
}

async function statusJson(...argv: string[]): Promise<StatusReport> {
  const { code, out, err } = await runCli(['status', ...argv, '--json'], NOW);
  expect(err).toBe('');
  expect(code).toBe(0);
  return JSON.parse(out.join('\n')) as StatusReport;
}

const OFFICE_NEXT = {
  nextStart: { local: '2026-12-25T08:00:00-05:00', utc: '2026-12-25T13:00:00Z' },
  nextStop: { local: '2026-12-25T17:00:00-05:00', utc: '2026-12-25T22:00:00Z' },
};
/** The nights schedule is in the scheduler's time zone, New York. */
const NIGHTS_NEXT = {
  nextStart: { local: '2026-12-24T20:00:00-05:00', utc: '2026-12-25T01:00:00Z' },
  nextStop: { local: '2026-12-25T06:00:00-05:00', utc: '2026-12-25T11:00:00Z' },
};

test('--json: the groups and node groups with the tag, current and saved sizes, override, last action, next start and stop; members as members', async () => {
  addFleet();
  const report = await statusJson(cdkOut);
  expect(report.groups).toEqual([
    {
      kind: 'eks-nodegroup',
      name: 'dev/workers',
      schedule: 'nights',
      deployed: true,
      size: '1,2,3',
      status: 'ACTIVE',
      ...NIGHTS_NEXT,
    },
    {
      kind: 'auto-scaling-group',
      name: 'batch',
      schedule: 'office-hours',
      deployed: true,
      size: '0,0,6',
      savedSize: '2,3,6',
      lastAction: 'stopped 2026-12-24T22:00:04Z by office-hours',
      ...OFFICE_NEXT,
    },
    {
      kind: 'auto-scaling-group',
      name: 'web-fleet',
      schedule: 'office-hours',
      deployed: true,
      size: '1,2,4',
      // A group's own override is judged, as the functions judge it.
      override: {
        value: 'running until 2026-12-25T02:00Z',
        status: 'active',
        state: 'running',
        until: '2026-12-25T02:00:00Z',
      },
      ...OFFICE_NEXT,
    },
  ]);
  const byId = new Map(report.instances.map((i) => [i.instanceId, i]));
  // The node group's members carry no schedule tag: not listed. The group's members carry it.
  expect([...byId.keys()].sort()).toEqual(
    [id(1), id(2), id(FIRST_MEMBER), id(FIRST_MEMBER + 1)].sort(),
  );
  expect(byId.get(id(1))).toEqual({
    instanceId: id(1),
    name: 'web-1',
    state: 'running',
    schedule: 'office-hours',
    deployed: true,
    ...OFFICE_NEXT,
  });
  // A member: no start or stop of its own.
  expect(byId.get(id(FIRST_MEMBER))).toEqual({
    instanceId: id(FIRST_MEMBER),
    state: 'running',
    schedule: 'office-hours',
    deployed: true,
    memberOf: { kind: 'auto-scaling-group', name: 'web-fleet' },
  });
  // A member of a group that is not scheduled: the functions skip it; its override counts for nothing.
  expect(byId.get(id(2))).toEqual({
    instanceId: id(2),
    state: 'running',
    schedule: 'office-hours',
    deployed: true,
    override: {
      value: 'running until 2026-12-25T02:00Z',
      status: 'ignored',
      why: 'a member of the Auto Scaling group legacy: the scheduler acts on the group, never on its instances; set the override on the group',
    },
    memberOf: { kind: 'auto-scaling-group', name: 'legacy' },
  });
});

test('finds groups with a tag-key filter and node groups with GetResources (type eks:nodegroup), then DescribeNodegroup each; --schedule filters both by value', async () => {
  addFleet();
  await statusJson(cdkOut);
  expect(groups.autoScaling.calls('DescribeAutoScalingGroups').map((r) => r.params)).toEqual([
    expect.objectContaining({
      IncludeInstances: 'false',
      MaxRecords: '100',
      'Filters.member.1.Name': 'tag-key',
      'Filters.member.1.Values.member.1': 'Schedule',
    }),
  ]);
  expect(groups.tagging.requests.map((r) => r.body)).toEqual([
    {
      TagFilters: [{ Key: 'Schedule' }],
      ResourceTypeFilters: ['eks:nodegroup'],
      ResourcesPerPage: 50,
    },
  ]);
  expect(groups.eks.calls('DescribeNodegroup').map((r) => r.path)).toEqual([
    '/clusters/dev/node-groups/workers',
  ]);

  groups.autoScaling.requests.length = 0;
  groups.tagging.requests.length = 0;
  const nights = await statusJson(cdkOut, '--schedule', 'nights');
  expect(nights.groups.map((g) => g.name)).toEqual(['dev/workers']);
  expect(nights.instances).toEqual([]);
  expect(groups.autoScaling.calls('DescribeAutoScalingGroups')[0].params).toMatchObject({
    'Filters.member.1.Name': 'tag:Schedule',
    'Filters.member.1.Values.member.1': 'nights',
  });
  expect(groups.tagging.requests[0].body).toMatchObject({
    TagFilters: [{ Key: 'Schedule', Values: ['nights'] }],
  });
});

test('the default table: members as "in group", then the groups with their sizes, within 120 columns', async () => {
  addFleet();
  const { code, out, err } = await runCli(['status', cdkOut], NOW);
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toEqual([
    '4 instance(s) tagged Schedule in us-east-1, at 2026-12-24T23:00:00Z:',
    'INSTANCE             NAME   STATE    SCHEDULE      OVERRIDE            NEXT',
    `${id(1)}  web-1  running  office-hours  -                   start Fri 08:00-05:00`,
    `${id(2)}  -      running  office-hours  in group legacy     -`,
    `${id(FIRST_MEMBER)}  -      running  office-hours  in group web-fleet  -`,
    `${id(FIRST_MEMBER + 1)}  -      running  office-hours  in group web-fleet  -`,
    '',
    '3 Auto Scaling group(s) and EKS node group(s) tagged Schedule in us-east-1, at 2026-12-24T23:00:00Z:',
    'GROUP        KIND            SCHEDULE      SIZE   SAVED SIZE  OVERRIDE                       NEXT',
    'dev/workers  EKS node group  nights        1,2,3  -           -                              start Thu 20:00-05:00',
    'batch        Auto Scaling    office-hours  0,0,6  2,3,6       -                              start Fri 08:00-05:00',
    'web-fleet    Auto Scaling    office-hours  1,2,4  -           running until Thu 21:00-05:00  start Fri 08:00-05:00',
    '',
    '"in group", "in node group": a member of an Auto Scaling group or EKS managed node group; the scheduler never starts or stops it, nor reads its override: it scales the group, when the group itself carries the schedule tag.',
    `${id(2)}: override "running until 2026-12-25T02:00Z" is ignored: a member of the Auto Scaling group legacy: the scheduler acts on the group, never on its instances; set the override on the group`,
  ]);
  expect(Math.max(...out.slice(0, 12).map((l) => l.length))).toBeLessThanOrEqual(120);
});

test('--wide adds a node group\'s status, the last action, the next start and stop; a member of a node group shows as "in node group"', async () => {
  addFleet();
  ep.addInstances(
    makeInstances(1, {
      firstIndex: 3,
      tags: {
        Schedule: 'nights',
        'eks:cluster-name': 'dev',
        'eks:nodegroup-name': 'workers',
        'aws:autoscaling:groupName': 'eks-workers-9ac0ffee-0000-4000-8000-000000000001',
      },
    }),
  );
  const { code, out } = await runCli(['status', cdkOut, '--wide', '--schedule', 'nights'], NOW);
  expect(code).toBe(0);
  expect(out.slice(0, 7)).toEqual([
    '1 instance(s) tagged Schedule=nights in us-east-1, at 2026-12-24T23:00:00Z:',
    'INSTANCE             NAME  STATE    SCHEDULE  OVERRIDE                   LAST ACTION  NEXT START  NEXT STOP',
    `${id(3)}  -     running  nights    in node group dev/workers  -            -           -`,
    '',
    '1 Auto Scaling group(s) and EKS node group(s) tagged Schedule=nights in us-east-1, at 2026-12-24T23:00:00Z:',
    'GROUP        KIND            SCHEDULE  SIZE   SAVED SIZE  OVERRIDE  STATUS  LAST ACTION  NEXT START                 NEXT STOP',
    'dev/workers  EKS node group  nights    1,2,3  -           -         ACTIVE  -            2026-12-24T20:00:00-05:00  2026-12-25T06:00:00-05:00',
  ]);
});

test('an Auto Scaling error exits 1 with the call, the error code and the message', async () => {
  addFleet();
  groups.autoScaling.failNext(
    1,
    'AccessDenied',
    'User is not authorized to perform: autoscaling:DescribeAutoScalingGroups',
    'DescribeAutoScalingGroups',
  );
  const { code, out, err } = await runCli(['status', cdkOut], NOW);
  expect(code).toBe(1);
  expect(out).toEqual([]);
  expect(err).toBe(
    'DescribeAutoScalingGroups failed: AccessDenied: User is not authorized to perform: autoscaling:DescribeAutoScalingGroups',
  );
});
