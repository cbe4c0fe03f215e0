/**
 * End to end, people in control: override tags and the enforcement check, through the shipped
 * start and stop bundles (each in its own process, as Lambda runs them) against the loopback EC2
 * endpoint, invoked with the inputs of the synthesized schedules.
 */
import { findSchedule, firingAfter, scheduledPayload } from '../harness/assembly';
import { E2eWorld, emfLines, ids, instanceLogs, OFFICE, useE2eWorld } from './support/e2e';
import { officeHoursBuilder } from './support/app';
import { makeInstances, type Ec2Endpoint } from '../harness/ec2';

jest.setTimeout(30_000);

let world: E2eWorld;
let ec2: Ec2Endpoint;

useE2eWorld(officeHoursBuilder('E2eControl', { schedule: { enforce: true } }), (started) => {
  world = started;
  ({ ec2 } = started);
});

const OVERRIDE = 'Schedule:override';
/** Monday 30 November 2026, 07:00 in New York. */
const MONDAY_7AM = new Date('2026-11-30T12:00:00Z');
/** Monday 30 November 2026, 16:00 in New York, an hour before the stop. */
const MONDAY_4PM = new Date('2026-11-30T21:00:00Z');

/** One instance per tag value, indexes from `first`. */
function add(
  state: 'running' | 'stopped',
  overrides: Record<string, string | undefined>,
  first: number,
) {
  const out: Record<string, string> = {};
  Object.entries(overrides).forEach(([label, value], i) => {
    const tags = value === undefined ? OFFICE : { ...OFFICE, [OVERRIDE]: value };
    const [instance] = makeInstances(1, { tags, state, firstIndex: first + i });
    ec2.addInstances([instance]);
    out[label] = instance.instanceId;
  });
  return out;
}

const outcomeOf = (logs: ReturnType<typeof instanceLogs>, id: string) =>
  logs.find((l) => l.instanceId === id);

test('a stop leaves a future "running until" running, applies an expired one, and ignores a malformed and a too-long one with a warning and OverridesIgnored', async () => {
  const id = add(
    'running',
    {
      plain: undefined,
      held: 'running until 2026-11-30T20:00', // 20:00 New York: after the 17:00 stop
      expired: 'running until 2026-11-30T16:30', // before the stop
      malformed: 'running til tonight',
      tooLong: 'running until 2026-12-25', // more than the default 7 days ahead
    },
    1,
  );
  const { at, invocations } = await world.fire(
    world.runtime(undefined),
    findSchedule(world.stack, 'office-hours', 'stop'),
    MONDAY_4PM,
  );
  expect(at.toISOString()).toBe('2026-11-30T22:00:00.000Z');
  const [run] = invocations;
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({ found: 5, stopped: 4, skipped: 1, overridesIgnored: 2 });
  const logs = instanceLogs(invocations);
  expect(outcomeOf(logs, id.held)).toMatchObject({
    outcome: 'skipped',
    reason: 'override: running until 2026-12-01T01:00:00Z',
  });
  for (const label of ['plain', 'expired', 'malformed', 'tooLong']) {
    expect(outcomeOf(logs, id[label])).toMatchObject({ outcome: 'stopped' });
    expect(ec2.instance(id[label])?.state).toBe('stopped');
  }
  expect(ec2.instance(id.held)?.state).toBe('running');
  const warnings = run.logs.filter((l) => l.message === 'override ignored');
  expect(warnings.map((w) => [w.level, w.instanceId, w.value])).toEqual([
    ['WARN', id.malformed, 'running til tonight'],
    ['WARN', id.tooLong, 'running until 2026-12-25'],
  ]);
  expect(warnings[1].why).toContain('more than the 7 days this scheduler allows (maxOverride)');
  // The metric a dashboard or alarm reads.
  const emf = emfLines(invocations).find((l) => 'Schedule' in l);
  expect(emf).toMatchObject({ OverridesIgnored: 2, InstancesSkipped: 1, InstancesStopped: 4 });
});

test('a start leaves a "stopped until" instance stopped', async () => {
  const id = add('stopped', { plain: undefined, held: 'stopped until 2026-12-01' }, 11);
  const { invocations } = await world.fire(
    world.runtime(undefined),
    findSchedule(world.stack, 'office-hours', 'start'),
    MONDAY_7AM,
  );
  expect(invocations[0].result).toMatchObject({ started: 1, skipped: 1, overridesIgnored: 0 });
  expect(outcomeOf(instanceLogs(invocations), id.held)).toMatchObject({
    outcome: 'skipped',
    reason: 'override: stopped until 2026-12-01T05:00:00Z',
  });
  expect(ec2.instance(id.plain)?.state).toBe('running');
  expect(ec2.instance(id.held)?.state).toBe('stopped');
});

/** Fires the enforcement check at `at`, as its rate schedule would. */
async function enforceAt(at: Date) {
  const rt = world.runtime(undefined);
  const check = findSchedule(world.stack, 'office-hours', 'enforce');
  expect(check.expression).toBe('rate(1 hour)');
  rt.setClock(new Date(at.getTime() + 1500));
  return rt.invoke(check.target.arn, scheduledPayload(check, at));
}

test('outside the window the check stops a manually started instance, not one held by an override', async () => {
  const id = add('running', { manual: undefined, held: 'running until 2026-11-30T23:00' }, 21);
  // Monday 20:00 in New York: three hours after the stop.
  const [run] = await enforceAt(new Date('2026-12-01T01:00:00Z'));
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({
    action: 'stop',
    enforcement: 'outside the running window',
    found: 2,
    stopped: 1,
    skipped: 1,
  });
  expect(ec2.instance(id.manual)?.state).toBe('stopped');
  expect(ec2.instance(id.held)?.state).toBe('running');
});

test('outside the window the check scales a group a person scaled up back to zero, saving the size they chose for the next start', async () => {
  const asg = world.autoScaling;
  asg.addGroup({
    name: 'web',
    minSize: 0,
    desiredCapacity: 0,
    maxSize: 6,
    tags: [
      { key: 'Schedule', value: 'office-hours', propagateAtLaunch: true },
      { key: 'Schedule:size', value: '2,3,6', propagateAtLaunch: false },
    ],
  });
  // Someone needed it at night and set 1,2,6 by hand.
  asg.resize('web', { minSize: 1, desiredCapacity: 2 });
  const [run] = await enforceAt(new Date('2026-12-01T01:00:00Z'));
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({
    enforcement: 'outside the running window',
    groupsStopped: 1,
    groupsFailed: 0,
  });
  const g = asg.group('web')!;
  expect([g.minSize, g.desiredCapacity, g.maxSize]).toEqual([0, 0, 6]);
  expect(g.tags.get('Schedule:size')?.value).toBe('1,2,6');
});

test('inside the window the check does nothing and calls no EC2 API', async () => {
  const id = add('running', { manual: undefined }, 31);
  // Monday 10:00 in New York.
  const [run] = await enforceAt(new Date('2026-11-30T15:00:00Z'));
  expect(run.result).toMatchObject({
    enforcement: 'inside the running window',
    found: 0,
    apiCalls: 0,
  });
  expect(ec2.requests).toEqual([]);
  expect(ec2.instance(id.manual)?.state).toBe('running');
  expect(ids(ec2.instances())).toEqual([id.manual]);
});

test('issue 19: an instance a person started at 07:30 is left alone by the 07:59:50 check, and ends the morning running after the 08:00 start', async () => {
  // Office hours 08:00-17:00 New York with enforce; the instance was started at 07:30.
  const id = add('running', { early: undefined }, 41);
  // EC2 keeps an instance it stops `stopping` for about 40 s.
  ec2.settleMs = 40_000;

  const [check] = await enforceAt(new Date('2026-11-30T12:59:50Z'));

  expect(check.error).toBeUndefined();
  expect(check.result).toMatchObject({
    enforcement: 'start due',
    nextStart: '2026-11-30T13:00:00.000Z',
    stopped: 0,
    apiCalls: 0,
  });
  // The 08:00 start, delivered 2 s late.
  const start = findSchedule(world.stack, 'office-hours', 'start');
  const { at, payload } = firingAfter(start, new Date('2026-11-30T12:59:50Z'));
  expect(at.toISOString()).toBe('2026-11-30T13:00:00.000Z');
  const rt = world.runtime(undefined);
  rt.setClock(new Date(at.getTime() + 2000));
  const [run] = await rt.invoke(start.target.arn, payload);
  expect(run.error).toBeUndefined();
  expect(ec2.requests.filter((r) => r.action === 'StopInstances')).toEqual([]);
  ec2.settleAll();
  expect(ec2.instance(id.early)?.state).toBe('running');
});
