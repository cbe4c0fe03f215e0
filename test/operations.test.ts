/**
 * What operators rely on from a run: the CloudWatch metrics it publishes (through the real
 * Powertools Metrics, as EMF on stdout), verified starts, audit tags and its log lines.
 */
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { powertoolsMetrics } from '../lambda/run/metrics';
import { EC2_DEFAULT_LIMITS } from '../lambda/run/pacer';
import { handle } from '../lambda/handle';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import { KMS_BOUNCE } from '../harness/ec2';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import {
  depsFor,
  FIFTEEN_MINUTES,
  officeHoursEvent,
  runEvent,
  runExpectingFailure,
  TestDeps,
  UNLIMITED,
  WITH_OPERATIONS,
} from './support/runs';

let fake: InProcessEc2;

afterEach(() => fake?.restore());

function setup(): InProcessEc2 {
  fake = new InProcessEc2(new VirtualClock(), UNLIMITED);
  return fake;
}

const run = (event: SchedulerEvent, extra: Partial<TestDeps> = {}, budgetMs = FIFTEEN_MINUTES) =>
  runEvent(fake, event, { ...extra, budgetMs });

/** Runs an event that is expected to fail the invocation; returns the rejected summary. */
const runFailing = (event: SchedulerEvent, extra: Partial<TestDeps> = {}) =>
  runExpectingFailure(fake, event, extra);

/** The per-instance log lines, by instance id. */
function instanceLines(deps: TestDeps) {
  return deps.logger.lines.filter((l) => l.message === 'instance');
}

function lineOf(deps: TestDeps, id: string) {
  const lines = instanceLines(deps).filter((l) => l.attributes?.instanceId === id);
  expect(lines).toHaveLength(1);
  return lines[0].attributes as Record<string, unknown>;
}

describe('metrics (Powertools EMF on stdout)', () => {
  interface EmfDocument {
    _aws: {
      Timestamp: number;
      CloudWatchMetrics: {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Name: string; Unit: string }[];
      }[];
    };
    [key: string]: unknown;
  }

  const saved: Record<string, string | undefined> = {};
  let written: string[];
  let warned: string[];
  let spy: jest.SpyInstance;
  let errSpy: jest.SpyInstance;

  beforeEach(() => {
    // Either variable would turn Powertools' output off (POWERTOOLS_DEV also reroutes it).
    for (const name of ['POWERTOOLS_DEV', 'POWERTOOLS_METRICS_DISABLED']) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    written = [];
    warned = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    // Powertools writes its own warnings to stderr.
    errSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      warned.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    spy.mockRestore();
    errSpy.mockRestore();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** Every EMF document written to stdout. */
  function emf(): EmfDocument[] {
    return written
      .join('')
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as EmfDocument)
      .filter((doc) => doc._aws !== undefined);
  }

  /** The per-schedule documents (dimensions Schedule and Action). */
  function perSchedule(): EmfDocument[] {
    return emf().filter((doc) => 'Schedule' in doc);
  }

  /** The documents that carry InstancesFailed (or `metric`) with Action alone, for the alarm. */
  function acrossSchedules(metric = 'InstancesFailed'): EmfDocument[] {
    return emf().filter((doc) => !('Schedule' in doc) && metric in doc);
  }

  function realMetrics() {
    return powertoolsMetrics(new Metrics({ namespace: 'Test' }));
  }

  const ALL_COUNTS = [
    'InstancesStarted',
    'InstancesStopped',
    'InstancesSkipped',
    'InstancesFailed',
    'InstancesDeferred',
    'InstancesUnverified',
    'OverridesIgnored',
    'GroupsStarted',
    'GroupsStopped',
    'GroupsFailed',
  ];

  test('a start run publishes counts per outcome with dimensions [Schedule, Action], and InstancesFailed with [Action]', async () => {
    setup();
    fake.add(5);
    fake.add(2, { tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'web' } });

    await run(officeHoursEvent(), { metrics: realMetrics() });

    expect(emf()).toHaveLength(3);
    const [doc] = perSchedule();
    const [definition] = doc._aws.CloudWatchMetrics;
    expect(doc._aws.CloudWatchMetrics).toHaveLength(1);
    expect(definition.Namespace).toBe('Test');
    expect(definition.Dimensions).toEqual([['Schedule', 'Action']]);
    const [aggregate] = acrossSchedules();
    expect(aggregate._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Test',
      Dimensions: [['Action']],
      Metrics: [{ Name: 'InstancesFailed', Unit: 'Count' }],
    });
    expect(aggregate).toMatchObject({ Action: 'start', InstancesFailed: 0 });
    // The same for Auto Scaling groups, in a document of its own.
    const [groups] = acrossSchedules('GroupsFailed');
    expect(groups._aws.CloudWatchMetrics[0]).toMatchObject({
      Dimensions: [['Action']],
      Metrics: [{ Name: 'GroupsFailed', Unit: 'Count' }],
    });
    expect(groups).toMatchObject({ Action: 'start', GroupsFailed: 0 });
    expect(definition.Metrics.map((m) => m.Name).sort()).toEqual([...ALL_COUNTS].sort());
    expect(definition.Metrics.every((m) => m.Unit === 'Count')).toBe(true);
    expect(doc).toMatchObject({
      Schedule: 'office-hours',
      Action: 'start',
      InstancesStarted: 5,
      InstancesStopped: 0,
      InstancesSkipped: 2,
      InstancesFailed: 0,
      InstancesDeferred: 0,
      InstancesUnverified: 0,
    });
    // No default `service` dimension: the alarms select on Action alone.
    expect(doc).not.toHaveProperty('service');
  });

  test('a failed run still publishes, with InstancesFailed, for the stop action of its schedule', async () => {
    setup();
    const ids = fake.add(4, { state: 'running', tags: { Schedule: 'lab' } });
    fake.failInstance(ids[1], 'IncorrectInstanceState');

    await runFailing(officeHoursEvent({ action: 'stop', schedule: 'lab' }), {
      metrics: realMetrics(),
    });

    const docs = perSchedule();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      Schedule: 'lab',
      Action: 'stop',
      InstancesStopped: 3,
      InstancesFailed: 1,
      InstancesStarted: 0,
    });
    expect(docs[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Schedule', 'Action']]);
    expect(acrossSchedules()).toEqual([
      expect.objectContaining({ Action: 'stop', InstancesFailed: 1 }),
    ]);
  });

  test('deferred and unverified instances are counted', async () => {
    fake = new InProcessEc2(new VirtualClock());
    fake.setLimits(EC2_DEFAULT_LIMITS);
    // The first batch holds the instance that stays pending; the last 300 take 150 s at 2/s.
    fake.add(1, { pendingMs: Infinity });
    fake.add(1299);

    const deps = { ...depsFor(fake, 60_000, EC2_DEFAULT_LIMITS), metrics: realMetrics() };
    const summary = await handle(officeHoursEvent({ verifyTimeoutSeconds: 10 }), 'start', deps);

    expect(summary.deferred).toBeGreaterThan(0);
    const [doc] = perSchedule();
    expect(doc).toMatchObject({
      InstancesStarted: summary.started,
      InstancesDeferred: summary.deferred,
      InstancesUnverified: summary.unverified,
    });
    expect(summary.unverified).toBe(1);
    expect(summary.started + summary.deferred).toBe(1300);
  });

  test('consecutive runs publish separate documents without carrying dimensions over', async () => {
    setup();
    fake.add(3);
    fake.add(2, { state: 'running', tags: { Schedule: 'lab' } });
    const metrics = realMetrics();

    await run(officeHoursEvent(), { metrics });
    await run(officeHoursEvent({ action: 'stop', schedule: 'lab' }), { metrics });

    const docs = perSchedule();
    expect(docs.map((d) => [d.Schedule, d.Action, d.InstancesStarted, d.InstancesStopped])).toEqual(
      [
        ['office-hours', 'start', 3, 0],
        ['lab', 'stop', 0, 2],
      ],
    );
    for (const doc of docs) {
      expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Schedule', 'Action']]);
    }
    expect(acrossSchedules().map((d) => d.Action)).toEqual(['start', 'stop']);
  });

  test('publishing writes the EMF document and no Powertools warning', async () => {
    setup();
    fake.add(2);
    await run(officeHoursEvent(), { metrics: realMetrics() });
    expect(perSchedule()).toHaveLength(1);
    expect(acrossSchedules()).toHaveLength(1);
    expect(warned.join('')).toBe('');
  });

  test('a dry run publishes no metrics', async () => {
    setup();
    fake.add(5);
    const { summary } = await run(officeHoursEvent({ dryRun: true }), { metrics: realMetrics() });
    expect(summary.started).toBe(5);
    expect(emf()).toEqual([]);
  });
});

describe('verified starts', () => {
  test('an instance that bounces back to stopped with Client.InternalError fails, naming KMS and encryptionKeys; the others are verified', async () => {
    setup();
    const ids = fake.add(6);
    const bouncer = ids[2];
    fake.updateInstance(bouncer, { bounce: KMS_BOUNCE });

    const { error, summary, deps } = await runFailing(officeHoursEvent(WITH_OPERATIONS));

    expect(error.message).toContain(`${bouncer} (Client.InternalError)`);
    expect(summary).toMatchObject({ started: 5, failed: 1, unverified: 0 });
    expect(summary.failures).toEqual([
      {
        instanceId: bouncer,
        errorCode: 'Client.InternalError',
        message: expect.stringMatching(/KMS/),
      },
    ]);
    expect(summary.failures[0].message).toMatch(/encryptionKeys/);
    expect(lineOf(deps, bouncer)).toMatchObject({
      outcome: 'failed',
      errorCode: 'Client.InternalError',
    });
    for (const id of ids.filter((i) => i !== bouncer)) {
      expect(lineOf(deps, id)).toMatchObject({ outcome: 'started', verified: true });
    }
    expect(fake.instance(bouncer)!.state).toBe('stopped');
  });

  test('a bounce with another state reason is reported with that code', async () => {
    setup();
    const [id] = fake.add(1, {
      bounce: {
        code: 'Server.InsufficientInstanceCapacity',
        message: 'Server.InsufficientInstanceCapacity: Insufficient capacity.',
      },
    });
    const { summary } = await runFailing(officeHoursEvent(WITH_OPERATIONS));
    expect(summary.failures).toEqual([
      {
        instanceId: id,
        errorCode: 'Server.InsufficientInstanceCapacity',
        message: expect.stringContaining('Insufficient capacity'),
      },
    ]);
  });

  test('an instance still pending when verification times out is started and unverified, not failed', async () => {
    setup();
    const ids = fake.add(3);
    const slow = ids[0];
    fake.updateInstance(slow, { pendingMs: Infinity });

    const { summary, deps } = await run(officeHoursEvent({ verifyTimeoutSeconds: 60 }));

    expect(summary).toMatchObject({ started: 3, failed: 0, unverified: 1 });
    expect(lineOf(deps, slow)).toMatchObject({ outcome: 'started', verified: false });
    expect(lineOf(deps, ids[1])).toMatchObject({ outcome: 'started', verified: true });
    // It kept looking for about the time it was given.
    const polls = fake.describeCalls().slice(1);
    expect(polls.length).toBeGreaterThan(1);
    expect(polls.at(-1)!.at - polls[0].at).toBeLessThanOrEqual(60_000);
    expect(polls.at(-1)!.at - polls[0].at).toBeGreaterThan(30_000);
  });

  test('polls look for pending and stopped instances of the schedule', async () => {
    setup();
    fake.add(1, { bounce: KMS_BOUNCE });
    await runFailing(officeHoursEvent(WITH_OPERATIONS));
    const [listing, ...polls] = fake.describeCalls();
    // Stopping instances are listed too since issue 19 (started once stopped).
    expect(listing.states).toEqual(['stopped', 'stopping']);
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) expect([...poll.states!].sort()).toEqual(['pending', 'stopped']);
  });

  test('verification polls never run past the function deadline', async () => {
    setup();
    fake.add(2, { pendingMs: Infinity });
    const budgetMs = 40_000;
    const deadline = fake.clock.now() + budgetMs;

    // Verification allows 15 minutes; the function has 40 seconds.
    const { summary } = await run(officeHoursEvent({ verifyTimeoutSeconds: 900 }), {}, budgetMs);

    expect(summary).toMatchObject({ started: 2, unverified: 2, failed: 0 });
    const polls = fake.describeCalls().slice(1);
    expect(polls.length).toBeGreaterThan(1);
    expect(fake.calls.every((c) => c.at <= deadline)).toBe(true);
    expect(fake.clock.now()).toBeLessThanOrEqual(deadline);
  });

  test('an instance the deadline left no time to verify is not said to have been pending for 180 s', async () => {
    setup();
    fake.add(3);
    // 2.5 s of function time: the starts fit, the first poll (after 2 s) does not.
    const { summary, deps } = await run(officeHoursEvent(WITH_OPERATIONS), {}, 2500);
    expect(summary).toMatchObject({ started: 3, failed: 0 });
    for (const line of instanceLines(deps)) {
      expect(line.attributes?.reason ?? '').not.toMatch(/after 180 s of verification/);
    }
  });

  test('verifyTimeoutSeconds 0 (or absent) makes no verification call', async () => {
    setup();
    fake.add(2, { bounce: KMS_BOUNCE });
    const { summary, deps } = await run(officeHoursEvent({ verifyTimeoutSeconds: 0 }));
    expect(summary).toMatchObject({ started: 2, failed: 0, unverified: 0 });
    expect(fake.describeCalls()).toHaveLength(1);
    expect(instanceLines(deps).every((l) => l.attributes?.verified === undefined)).toBe(true);
  });

  test('stops are not verified', async () => {
    setup();
    fake.add(2, { state: 'running' });
    await run(officeHoursEvent({ action: 'stop', verifyTimeoutSeconds: 180 }));
    expect(fake.describeCalls()).toHaveLength(1);
  });

  test('a dry run starts nothing, so verifies nothing', async () => {
    setup();
    fake.add(2);
    const { summary } = await run(officeHoursEvent({ ...WITH_OPERATIONS, dryRun: true }));
    expect(summary).toMatchObject({ started: 2, unverified: 0 });
    expect(fake.calls.map((c) => c.action)).toEqual(['DescribeInstances']);
  });
});

describe('audit tags', () => {
  const STARTED_VALUE = 'started 2026-11-30T13:00:00Z by office-hours';

  test('2,500 started instances are tagged Schedule:last-action in 3 CreateTags calls of at most 1,000', async () => {
    setup();
    const ids = fake.add(2500);

    const { summary } = await run(officeHoursEvent(WITH_OPERATIONS));

    expect(summary).toMatchObject({ started: 2500, auditTagged: 2500 });
    const calls = fake.tagCalls();
    expect(calls.map((c) => c.ids.length)).toEqual([1000, 1000, 500]);
    for (const call of calls) {
      expect(call.tags).toEqual([{ Key: 'Schedule:last-action', Value: STARTED_VALUE }]);
    }
    expect(calls.flatMap((c) => c.ids).sort()).toEqual([...ids].sort());
    expect(fake.instance(ids[1234])!.tags['Schedule:last-action']).toBe(STARTED_VALUE);
  });

  test('a stop writes "stopped <time> by <schedule>" under the custom tag key', async () => {
    setup();
    const ids = fake.add(3, { state: 'running', tags: { Team: 'nightly' } });
    fake.add(2, { state: 'running', tags: { Team: 'other' } });

    await run(
      officeHoursEvent({ action: 'stop', schedule: 'nightly', tagKey: 'Team', auditTags: true }),
    );

    expect(fake.tagCalls()).toEqual([
      expect.objectContaining({
        ids,
        tags: [{ Key: 'Team:last-action', Value: 'stopped 2026-11-30T13:00:00Z by nightly' }],
      }),
    ]);
    expect(fake.mock.commandCalls(CreateTagsCommand)).toHaveLength(1);
  });

  test('the value is the time the instance was acted on, to the second', async () => {
    setup();
    fake.clock.at = Date.parse('2026-11-27T17:00:03.456Z');
    fake.setLimits(UNLIMITED);
    const [id] = fake.add(1, { state: 'running' });
    await run(
      officeHoursEvent({ action: 'stop', auditTags: true, scheduledTime: '2026-11-27T17:00:00Z' }),
    );
    expect(fake.instance(id)!.tags['Schedule:last-action']).toBe(
      'stopped 2026-11-27T17:00:03Z by office-hours',
    );
  });

  test('skipped and failed instances are not tagged; a bounced start is tagged "start failed"', async () => {
    setup();
    const [asg] = fake.add(1, {
      tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'web' },
    });
    const [bad] = fake.add(1);
    fake.failInstance(bad, 'InsufficientInstanceCapacity');
    const [bouncer] = fake.add(1, { bounce: KMS_BOUNCE });
    const good = fake.add(3);

    const { summary } = await runFailing(officeHoursEvent(WITH_OPERATIONS));

    expect(summary).toMatchObject({ started: 3, skipped: 1, failed: 2, auditTagged: 4 });
    for (const id of [asg, bad]) {
      expect(fake.instance(id)!.tags).not.toHaveProperty(['Schedule:last-action']);
    }
    for (const id of good) {
      expect(fake.instance(id)!.tags['Schedule:last-action']).toMatch(
        /^started \S+Z by office-hours$/,
      );
    }
    expect(fake.instance(bouncer)!.tags['Schedule:last-action']).toMatch(
      /^start failed \S+Z by office-hours$/,
    );
  });

  test.each([
    ['auditTags is false', { auditTags: false }],
    ['auditTags is absent', { auditTags: undefined }],
    ['dry run', { auditTags: true, dryRun: true }],
  ])('no CreateTags call when %s', async (_name, overrides) => {
    setup();
    fake.add(3);
    const { summary } = await run(officeHoursEvent(overrides));
    expect(summary).toMatchObject({ started: 3, auditTagged: 0 });
    expect(fake.mock.commandCalls(CreateTagsCommand)).toHaveLength(0);
  });

  test('a CreateTags failure never turns a successful start into a failure: a warn line instead', async () => {
    setup();
    fake.add(4);
    fake.injectFault({ action: 'CreateTags', respond: { code: 'UnauthorizedOperation' } });

    const { summary, deps } = await run(officeHoursEvent(WITH_OPERATIONS));

    expect(summary).toMatchObject({ started: 4, failed: 0, auditTagged: 0 });
    expect(fake.tagCalls().map((c) => c.error)).toEqual(['UnauthorizedOperation']);
    const warnings = deps.logger.lines.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/audit tag/),
        attributes: expect.objectContaining({ errorCode: 'UnauthorizedOperation', instances: 4 }),
      }),
    ]);
    expect(instanceLines(deps).every((l) => l.attributes?.outcome === 'started')).toBe(true);
  });

  test('a run that hands over at its deadline has tagged every instance it started', async () => {
    fake = new InProcessEc2(new VirtualClock());
    fake.setLimits(EC2_DEFAULT_LIMITS);
    fake.add(5000);
    const deps = depsFor(fake, FIFTEEN_MINUTES, EC2_DEFAULT_LIMITS);

    const summary = await handle(officeHoursEvent(WITH_OPERATIONS), 'start', deps);

    expect(summary.deferred).toBeGreaterThan(0);
    expect(summary.started).toBeGreaterThan(2000);
    expect(summary.auditTagged).toBe(summary.started);
    expect(deps.logger.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  test('one failing CreateTags batch leaves the other batches tagged', async () => {
    setup();
    const ids = fake.add(2500);
    fake.failInstance(ids[1500], 'RequestLimitExceeded', undefined, { actions: ['CreateTags'] });

    const { summary, deps } = await run(officeHoursEvent(WITH_OPERATIONS));

    expect(summary).toMatchObject({ started: 2500, failed: 0, auditTagged: 1500 });
    expect(deps.logger.lines.filter((l) => l.level === 'warn').map((l) => l.attributes)).toEqual([
      expect.objectContaining({ instances: 1000, errorCode: 'RequestLimitExceeded' }),
    ]);
  });
});

describe('log lines', () => {
  test('one line per instance with its final outcome (a bounce is logged once, as failed), then the summary', async () => {
    setup();
    const ids = fake.add(5);
    fake.updateInstance(ids[3], { bounce: KMS_BOUNCE });
    fake.updateInstance(ids[4], { pendingMs: Infinity });
    const [asg] = fake.add(1, {
      tags: { Schedule: 'office-hours', 'aws:autoscaling:groupName': 'web' },
    });

    const { summary, deps } = await runFailing(
      officeHoursEvent({ ...WITH_OPERATIONS, verifyTimeoutSeconds: 30 }),
    );

    const lines = instanceLines(deps);
    expect(lines).toHaveLength(6);
    expect(
      Object.fromEntries(lines.map((l) => [l.attributes?.instanceId, l.attributes?.outcome])),
    ).toEqual({
      [ids[0]]: 'started',
      [ids[1]]: 'started',
      [ids[2]]: 'started',
      [ids[3]]: 'failed',
      [ids[4]]: 'started',
      [asg]: 'skipped',
    });
    for (const line of lines) {
      expect(line.attributes).toMatchObject({
        schedule: 'office-hours',
        action: 'start',
        dryRun: false,
      });
    }
    const summaries = deps.logger.lines.filter((l) => l.message === 'summary');
    expect(summaries).toHaveLength(1);
    expect(deps.logger.lines.at(-1)).toBe(summaries[0]);
    expect(summaries[0].attributes).toMatchObject({
      found: 6,
      started: 4,
      skipped: 1,
      failed: 1,
      unverified: 1,
      auditTagged: 5,
    });
    expect(summary.started + summary.skipped + summary.failed + summary.deferred).toBe(6);
  });
});
