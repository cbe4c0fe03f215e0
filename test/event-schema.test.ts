import Ajv from 'ajv';
import { Template } from 'aws-cdk-lib/assertions';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { Ec2Scheduler } from '../lib';
import { MalformedEventError, parseScheduleInput } from '../lib/contract/schedule-input-parser';
import { show } from '../lib/contract/input-checks';
import { EC2_DEFAULT_LIMITS } from '../lambda/run/pacer';
import { InProcessEc2, VirtualClock } from '../harness/ec2/in-process';
import { scheduleInputJsonSchema, SCHEMA_FILE } from '../scripts/schema';
import { exactly, testStack } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';
import { officeHoursEvent, runEvent } from './support/runs';

const published = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(published);
const BOUNDS = {
  requestCapacity: 5,
  resourceCapacity: 1000,
  now: Date.parse('2026-11-30T13:00:01Z'),
};

test('the package ships the JSON Schema that the event schema gives (npm run schema writes it)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  expect(pkg.files).toContain('schema/schedule-input.schema.json');
  expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(scheduleInputJsonSchema());
});

test('every input a synthesized scheduler sends is valid by the JSON Schema and the functions', () => {
  const stack = testStack();
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', { auditTags: true });
  scheduler.addSchedule('office-hours', {
    start: WEEKDAYS_8,
    stop: WEEKDAYS_17,
    additionalStops: ['cron(0 12 ? * SAT *)'],
    skipDates: ['2026-12-25'],
    hibernate: true,
    enforce: true,
  });
  scheduler.addSchedule('evenings', { stop: 'cron(0 19 * * ? *)', timeZone: 'Europe/Berlin' });
  const inputs = Object.values(
    Template.fromStack(stack).findResources('AWS::Scheduler::Schedule'),
  ).map((r) => JSON.parse(r.Properties.Target.Input) as { action: 'start' | 'stop' });
  // office-hours: a start, two stops and an enforcement check; evenings: a stop.
  expect(inputs.map((i) => i.action).sort()).toEqual(['start', 'stop', 'stop', 'stop', 'stop']);
  expect(inputs.filter((i) => 'enforce' in i)).toHaveLength(1);
  for (const input of inputs) {
    expect([validate(input), validate.errors]).toEqual([true, null]);
    expect(() => parseScheduleInput(input, input.action)).not.toThrow();
  }
});

test('the follow-up input a run hands over is valid by the JSON Schema', async () => {
  const fake = new InProcessEc2(new VirtualClock());
  fake.setLimits(EC2_DEFAULT_LIMITS);
  try {
    fake.add(1100);
    const { deps } = await runEvent(fake, officeHoursEvent({ auditTags: true }), {
      budgetMs: 10_000,
      limits: EC2_DEFAULT_LIMITS,
    });
    const [followUp] = deps.followUps;
    expect(followUp.followUp).toMatchObject({ attempt: 1, instances: { hibernate: [] } });
    expect([validate(followUp), validate.errors]).toEqual([true, null]);
  } finally {
    fake.restore();
  }
});

test('an input naming its JSON Schema (for an editor) is read as the same input without it', () => {
  const input = {
    $schema: './node_modules/cdk-ec2-scheduler/' + 'schema/schedule-input.schema.json',
    ...officeHoursEvent(),
  };
  expect(validate(input)).toBe(true);
  expect(parseScheduleInput(input, 'start').event).toStrictEqual(officeHoursEvent());
});

describe('a malformed event is refused by the JSON Schema and by the functions alike', () => {
  const base = officeHoursEvent() as unknown as Record<string, unknown>;
  const followUp = (state: Record<string, unknown>) => ({
    ...base,
    followUp: { attempt: 1, notAfter: '2026-11-30T22:00:00Z', ...state },
  });
  const ID = 'i-0123456789abcdef0';
  test.each<[string, unknown, string]>([
    [
      'a list',
      [base],
      `expected a JSON object with action, schedule, tagKey and timeZone; got ${show([base])}`,
    ],
    ['no tag key', { ...base, tagKey: undefined }, 'tagKey undefined must be a non-empty string'],
    ['version 2', { ...base, version: 2 }, 'version 2 is not supported; use 1'],
    [
      'action "restart"',
      { ...base, action: 'restart' },
      'action "restart" does not match this function, which only runs "start"',
    ],
    [
      'a 256-character schedule name',
      { ...base, schedule: 'x'.repeat(256) },
      `schedule "${'x'.repeat(76)}...(258 characters) is 256 characters long; at most 255 are allowed`,
    ],
    [
      'skip dates "2026-12-25"',
      { ...base, skipDates: '2026-12-25' },
      'skipDates "2026-12-25" must be a list of dates',
    ],
    [
      'skip date "25.12.2026"',
      { ...base, skipDates: ['25.12.2026'] },
      'skipDates[0] "25.12.2026" is not a real date in YYYY-MM-DD form',
    ],
    ['hibernate "yes"', { ...base, hibernate: 'yes' }, 'hibernate "yes" must be true or false'],
    [
      'verification of 901 s',
      { ...base, verifyTimeoutSeconds: 901 },
      'verifyTimeoutSeconds 901 must be a whole number of seconds from 0 to 900',
    ],
    [
      'no opposites',
      { ...base, opposites: [] },
      'opposites [] must be a list of 1 to 10 cron expressions',
    ],
    [
      'an enforcement window on a start',
      { ...base, enforce: { starts: [WEEKDAYS_8], stops: [WEEKDAYS_17] } },
      `enforce {"starts":["${WEEKDAYS_8}"],"stops":["${WEEKDAYS_17}"]} is only read on a stop input (an enforcement check); this is a start`,
    ],
    [
      'a fallback size with max 0',
      { ...base, groupFallbackSize: { min: 0, desired: 0, max: 0 } },
      'groupFallbackSize.max 0 must be {min, desired, max}: whole numbers with min <= desired <= max and max >= 1',
    ],
    [
      'a fallback size "1,2,4"',
      { ...base, groupFallbackSize: '1,2,4' },
      'groupFallbackSize "1,2,4" must be {min, desired, max}: whole numbers with min <= desired <= max and max >= 1',
    ],
    [
      'an override reach of 30 s',
      { ...base, maxOverrideSeconds: 30 },
      'maxOverrideSeconds 30 must be a whole number of at least 60 and at most 31622400',
    ],
    [
      'a scheduled time in words',
      { ...base, scheduledTime: 'March 7' },
      'scheduledTime "March 7" is not an ISO 8601 time such as "2026-11-27T13:00:00Z"',
    ],
    [
      'a target Region "Europe"',
      { ...base, target: { account: '111122223333', region: 'Europe' } },
      'target.region "Europe" is not a Region code: target must be an account (12 digits) and a Region, e.g. {"account":"111122223333","region":"eu-west-1"}',
    ],
    [
      'follow-up attempt 0',
      followUp({ attempt: 0 }),
      'followUp.attempt 0 must be a whole number of at least 1 and at most 1000',
    ],
    [
      'a carried id "i-xyz"',
      followUp({ instances: { plain: ['i-xyz'], hibernate: [] } }),
      `followUp.instances.plain[0] "i-xyz" must be an instance id like "${ID}"`,
    ],
    [
      'eleven named failures',
      followUp({
        failures: { count: 11, first: Array(11).fill({ instanceId: ID, errorCode: 'E' }) },
      }),
      `followUp.failures.first ${show(Array(11).fill({ instanceId: ID, errorCode: 'E' }))} must be a list of at most 10 {instanceId, errorCode}`,
    ],
  ])('%s', (_name, event, message) => {
    expect(validate(event)).toBe(false);
    const parse = () => parseScheduleInput(event, 'start', { followUpBounds: BOUNDS });
    expect(parse).toThrow(MalformedEventError);
    expect(parse).toThrow(exactly(`malformed event: ${message}`));
  });

  test.each<[string, unknown, string]>([
    [
      'an impossible skip date',
      { ...base, skipDates: ['2026-02-30'] },
      'skipDates[0] "2026-02-30" is not a real date in YYYY-MM-DD form',
    ],
    [
      'an unknown time zone',
      { ...base, timeZone: 'Mars/Olympus' },
      'timeZone "Mars/Olympus" is not an IANA time zone such as "America/New_York"',
    ],
    [
      'a fallback size with desired above max',
      { ...base, groupFallbackSize: { min: 1, desired: 5, max: 4 } },
      'groupFallbackSize {"min":1,"desired":5,"max":4} must be {min, desired, max}: whole numbers with min <= desired <= max and max >= 1',
    ],
    [
      'an opposite at hour 25',
      { ...base, opposites: ['cron(0 25 ? * MON-FRI *)'] },
      'opposites[0] "cron(0 25 ? * MON-FRI *)" has hour 25; hours are 0-23',
    ],
    [
      'a scheduled time at +15:00',
      { ...base, scheduledTime: '2026-11-30T13:00:00+15:00' },
      'scheduledTime "2026-11-30T13:00:00+15:00" has the UTC offset +15:00, which does not exist (UTC offsets run from -12:00 to +14:00)',
    ],
  ])('beyond JSON Schema, only the functions refuse %s', (_name, event, message) => {
    expect(validate(event)).toBe(true);
    expect(() => parseScheduleInput(event, 'start')).toThrow(
      exactly(`malformed event: ${message}`),
    );
  });
});

/** The packages the compiled code of `entry` and of every file it requires at run time requires. */
function packagesRequiredFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    // Compiled as the package's build does: imports used only as types are erased.
    const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    for (const [, spec] of js.matchAll(/require\("([^"]+)"\)/g)) {
      const local = path.resolve(path.dirname(file), spec);
      if (spec.startsWith('.'))
        visit(fs.existsSync(`${local}.ts`) ? `${local}.ts` : path.join(local, 'index.ts'));
      else
        packages.add(
          spec
            .split('/')
            .slice(0, spec.startsWith('@') ? 2 : 1)
            .join('/'),
        );
    }
  };
  visit(path.join(__dirname, '..', entry));
  return packages;
}

test("the construct's code requires no schema library (a dev dependency, bundled into the functions)", () => {
  const packages = packagesRequiredFrom('lib/index.ts');
  expect(packages).toContain('aws-cdk-lib');
  expect([...packages].filter((p) => /valibot|@aws-sdk/.test(p))).toEqual([]);
});
