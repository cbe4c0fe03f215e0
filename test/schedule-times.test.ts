/**
 * Several start and stop times per schedule, and enforced stopped windows: the construct's
 * schedules and inputs, validation, the preview and the assembly reader, and the enforcement
 * check's run (on the fake EC2, whose clock the tests set).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler, Ec2SchedulerProps, Preview, ScheduleOptions } from '../lib';
import { readAssembly } from '../lib/cli/assembly';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import { handle } from '../lambda/handle';
import { NO_BUILTIN_VALIDATION, testStack } from './support/app';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { depsFor, FIFTEEN_MINUTES, officeHoursEvent, UNLIMITED } from './support/runs';
import { WEEKDAYS_8 } from './support/crons';

const WEEKDAYS_18 = 'cron(0 18 ? * MON-FRI *)';
const DAILY_22 = 'cron(0 22 * * ? *)';

function schedulesOf(stack: Stack) {
  const resources = Template.fromStack(stack).findResources('AWS::Scheduler::Schedule');
  return Object.values(resources).map((r) => {
    const props = r.Properties as {
      ScheduleExpression: string;
      ScheduleExpressionTimezone?: string;
      Target: { Arn: unknown; Input: string };
    };
    return { ...props, input: JSON.parse(props.Target.Input) as SchedulerEvent };
  });
}

function build(options: ScheduleOptions, props: Ec2SchedulerProps = {}) {
  const stack = testStack();
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
    timeZone: 'America/New_York',
    ...props,
  });
  const resources = scheduler.addSchedule('office-hours', options);
  return { stack, scheduler, resources };
}

describe('several start and stop times', () => {
  test('each expression gets its own schedule; each input names every expression of the other side', () => {
    const { stack, resources } = build({
      start: WEEKDAYS_8,
      stop: WEEKDAYS_18,
      additionalStops: [DAILY_22],
    });
    const schedules = schedulesOf(stack);
    expect(schedules.map((s) => [s.input.action, s.ScheduleExpression])).toEqual([
      ['start', WEEKDAYS_8],
      ['stop', WEEKDAYS_18],
      ['stop', DAILY_22],
    ]);
    expect(schedules.map((s) => s.input.opposites)).toEqual([
      [WEEKDAYS_18, DAILY_22],
      [WEEKDAYS_8],
      [WEEKDAYS_8],
    ]);
    expect(resources.additionalStopSchedules).toHaveLength(1);
    expect(resources.additionalStartSchedules).toEqual([]);
    expect(resources.additionalStopSchedules[0].node.id).toBe('Stop2');
  });

  test.each([
    [
      'additionalStarts without start',
      { stop: WEEKDAYS_18, additionalStarts: [WEEKDAYS_8] },
      'schedule "office-hours": additionalStarts is given without start; give the first start time as start, the others in additionalStarts',
    ],
    [
      'more than 9 additional stops',
      {
        stop: WEEKDAYS_18,
        additionalStops: Array.from({ length: 10 }, (_, i) => `cron(${i} 19 * * ? *)`),
      },
      'schedule "office-hours": additionalStops has 10 expressions; a schedule takes at most 9 besides stop, so split it into several schedules',
    ],
    [
      'an invalid additional stop',
      { start: WEEKDAYS_8, stop: WEEKDAYS_18, additionalStops: [DAILY_22, 'cron(0 25 * * ? *)'] },
      'schedule "office-hours": additionalStops[1] "cron(0 25 * * ? *)" has hour 25',
    ],
    [
      'an additional stop at the minute of a start',
      { start: WEEKDAYS_8, stop: WEEKDAYS_18, additionalStops: ['cron(0 8 ? * MON *)'] },
      'schedule "office-hours": start "cron(0 8 ? * MON-FRI *)" and additionalStops[0] "cron(0 8 ? * MON *)" both fire at',
    ],
    [
      'an additional start at the minute of a stop',
      { start: WEEKDAYS_8, stop: WEEKDAYS_18, additionalStarts: ['cron(0 18 ? * FRI *)'] },
      'schedule "office-hours": additionalStarts[0] "cron(0 18 ? * FRI *)" and stop "cron(0 18 ? * MON-FRI *)" both fire at',
    ],
    [
      'enforce on a stop-only schedule',
      { stop: WEEKDAYS_18, enforce: true },
      'schedule "office-hours": enforce stops instances found running outside the schedule\'s running window, which needs both a start and a stop; add start, or leave enforce out',
    ],
    [
      'enforce on a start-only schedule',
      { start: WEEKDAYS_8, enforce: true },
      'which needs both a start and a stop; add stop, or leave enforce out',
    ],
  ] as const)('%s is refused', (_, options, message) => {
    expect(() => build(options as ScheduleOptions)).toThrow(message);
  });

  test('the preview and its weekly hours cover every expression', () => {
    const preview = Preview.schedule(
      {
        start: WEEKDAYS_8,
        additionalStarts: ['cron(0 10 ? * SAT *)'],
        stop: WEEKDAYS_18,
        additionalStops: ['cron(0 14 ? * SAT *)', DAILY_22],
        timeZone: 'UTC',
      },
      { after: new Date('2027-01-08T00:00:00Z'), count: 5, weeks: 4 },
    );
    // Friday 8 January 2027: start 08:00, stop 18:00, (22:00 stop changes nothing but is listed);
    // Saturday: start 10:00, stop 14:00.
    expect(preview.transitions.map((t) => `${t.action} ${t.utc}`)).toEqual([
      'start 2027-01-08T08:00:00Z',
      'stop 2027-01-08T18:00:00Z',
      'stop 2027-01-08T22:00:00Z',
      'start 2027-01-09T10:00:00Z',
      'stop 2027-01-09T14:00:00Z',
    ]);
    // 5 weekdays x 10 h + 4 h on Saturday.
    expect(preview.runningHoursPerWeek).toBe(54);
  });

  test('the assembly reader (preview and status commands) sees every expression; an enforcement check is no time of its own', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-times-'));
    try {
      const app = new App({ outdir, ...NO_BUILTIN_VALIDATION });
      const stack = new Stack(app, 'Times');
      new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'UTC' }).addSchedule('office-hours', {
        start: WEEKDAYS_8,
        stop: WEEKDAYS_18,
        additionalStops: [DAILY_22],
        enforce: true,
      });
      app.synth();
      expect(readAssembly(outdir)).toEqual([
        {
          name: 'office-hours',
          stack: 'Times',
          tagKey: 'Schedule',
          timeZone: 'UTC',
          start: WEEKDAYS_8,
          stop: WEEKDAYS_18,
          additionalStarts: [],
          additionalStops: [DAILY_22],
          skipDates: [],
          maxOverrideSeconds: 7 * 86_400, // the default maxOverride
        },
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('enforce', () => {
  test('adds a check at a rate (hourly by default) that the stop function runs with the window', () => {
    const { stack, scheduler, resources } = build({
      start: WEEKDAYS_8,
      stop: WEEKDAYS_18,
      additionalStops: [DAILY_22],
      skipDates: ['2026-12-25'],
      enforce: true,
    });
    const check = schedulesOf(stack).find((s) => s.input.enforce);
    expect(check?.ScheduleExpression).toBe('rate(1 hour)');
    expect(check?.Target.Arn).toEqual(stack.resolve(scheduler.stopFunction.functionArn));
    expect(check?.input).toMatchObject({
      action: 'stop',
      schedule: 'office-hours',
      timeZone: 'America/New_York',
      skipDates: ['2026-12-25'],
      opposites: [WEEKDAYS_8],
      enforce: { starts: [WEEKDAYS_8], stops: [WEEKDAYS_18, DAILY_22] },
    });
    expect(resources.enforceSchedule?.node.id).toBe('Enforce');
  });

  test('enforceEvery sets the rate; maxOverride reaches the inputs', () => {
    const { stack } = build(
      { start: WEEKDAYS_8, stop: WEEKDAYS_18, enforce: true },
      { enforceEvery: Duration.minutes(15), maxOverride: Duration.hours(12) },
    );
    const schedules = schedulesOf(stack);
    expect(schedules.find((s) => s.input.enforce)?.ScheduleExpression).toBe('rate(15 minutes)');
    expect(schedules.map((s) => s.input.maxOverrideSeconds)).toEqual([43200, 43200, 43200]);
  });

  test('no check without enforce', () => {
    const { stack, resources } = build({ start: WEEKDAYS_8, stop: WEEKDAYS_18 });
    expect(schedulesOf(stack).some((s) => s.input.enforce)).toBe(false);
    expect(resources.enforceSchedule).toBeUndefined();
  });

  test.each([
    [
      'enforceEvery 4 minutes',
      { enforceEvery: Duration.minutes(4) },
      'enforceEvery 240 s is not allowed; give whole minutes from 5 minutes to 1 day',
    ],
    [
      'enforceEvery 5.5 minutes',
      { enforceEvery: Duration.seconds(330) },
      'enforceEvery 330 s is not allowed',
    ],
    [
      'enforceEvery 2 days',
      { enforceEvery: Duration.days(2) },
      'enforceEvery 172800 s is not allowed',
    ],
    [
      'maxOverride 30 seconds',
      { maxOverride: Duration.seconds(30) },
      'maxOverride 30 s is not allowed; give whole seconds from 60 (1 minute) to 31622400 (366 days)',
    ],
    [
      'maxOverride 400 days',
      { maxOverride: Duration.days(400) },
      'maxOverride 34560000 s is not allowed',
    ],
  ] as [string, Ec2SchedulerProps, string][])('%s is refused', (_, props, message) => {
    expect(() => new Ec2Scheduler(testStack(), 'Scheduler', props)).toThrow(message);
  });
});

describe('an enforcement check run', () => {
  let fake: InProcessEc2;
  afterEach(() => fake?.restore());

  const window = { starts: [WEEKDAYS_8], stops: [WEEKDAYS_18, DAILY_22] };

  async function check(at: string, skipDates: string[] = []) {
    fake = new InProcessEc2(new VirtualClock(Date.parse(at)), UNLIMITED);
    const [manual] = fake.add(1, { state: 'running', tags: { Schedule: 'office-hours' } });
    const [held] = fake.add(1, {
      state: 'running',
      tags: { Schedule: 'office-hours', 'Schedule:override': 'running until 2026-12-01T06:00Z' },
    });
    const deps = depsFor(fake, FIFTEEN_MINUTES, UNLIMITED);
    const event = officeHoursEvent({
      action: 'stop',
      skipDates,
      opposites: window.starts,
      enforce: window,
      scheduledTime: new Date(at).toISOString(),
    });
    const summary = await handle(event, 'stop', deps);
    return { summary, manual, held };
  }

  test('outside the window (Monday 20:00 in New York, after the 18:00 stop) it stops a manually started instance, not an overridden one', async () => {
    const { summary, manual, held } = await check('2026-12-01T01:00:00Z');
    expect(summary).toMatchObject({
      enforcement: 'outside the running window',
      found: 2,
      stopped: 1,
      skipped: 1,
    });
    expect(fake.instance(manual)?.state).toBe('stopped');
    expect(fake.instance(held)?.state).toBe('running');
  });

  test('inside the window (Monday 10:00) it does nothing and calls nothing', async () => {
    const { summary, manual } = await check('2026-11-30T15:00:00Z');
    expect(summary).toMatchObject({
      enforcement: 'inside the running window',
      found: 0,
      stopped: 0,
    });
    expect(summary.apiCalls).toBe(0);
    expect(fake.calls).toEqual([]);
    expect(fake.instance(manual)?.state).toBe('running');
  });

  test('on a skip date the start did not happen: at 10:00 it is outside the window', async () => {
    const { summary, manual } = await check('2026-11-30T15:00:00Z', ['2026-11-30']);
    expect(summary).toMatchObject({ enforcement: 'outside the running window', stopped: 1 });
    expect(fake.instance(manual)?.state).toBe('stopped');
  });

  test('at the minute of a stop the window has closed', async () => {
    const { summary } = await check('2026-11-30T23:00:00Z');
    expect(summary).toMatchObject({ enforcement: 'outside the running window', stopped: 1 });
  });

  test('an enforce input on a start is malformed', async () => {
    fake = new InProcessEc2(new VirtualClock(), UNLIMITED);
    await expect(
      handle(officeHoursEvent({ enforce: window }), 'start', depsFor(fake, FIFTEEN_MINUTES)),
    ).rejects.toThrow('malformed event: enforce');
  });
});
