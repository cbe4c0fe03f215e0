/**
 * `cdk-ec2-scheduler suggest` against loopback EC2, CloudWatch and Price List endpoints, reached
 * only through the SDK's standard environment, serving generated utilization profiles: office
 * hours in Berlin (also with gaps, and on Windows), a night batch job, always busy, always idle,
 * and a newly launched instance.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Ec2Scheduler } from '../lib';
import { previewSchedule } from '../lib/schedule/preview';
import type { InstanceSuggestion, SuggestReport } from '../lib/suggest/suggest-report';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from '../harness/cloudwatch-endpoint';
import { instanceIdFor, makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';
import { startPricingEndpoint, type PricingEndpoint } from '../harness/pricing-endpoint';
import {
  alwaysBusy,
  alwaysIdle,
  launchedAt,
  nightBatch,
  officeHours,
  profileByInstance,
  withGaps,
} from '../harness/utilization-profiles';
import { NO_BUILTIN_VALIDATION } from './support/app';
import { fakeAwsEnv, runBundle, runCli, setEnv } from './support/cli';

/** Tuesday 1 December 2026, 12:00 UTC: the 14 days before it hold no clock change. */
const NOW = new Date('2026-12-01T12:00:00Z');
const id = instanceIdFor;
const BERLIN = ['--time-zone', 'Europe/Berlin'];

const FLEET = {
  office: { n: 1, type: 't3.large', profile: officeHours('Europe/Berlin', 1) },
  gappy: {
    n: 2,
    type: 't3.large',
    profile: withGaps(officeHours('Europe/Berlin', 2), { seed: 7 }),
  },
  windows: { n: 3, type: 't3.large', profile: officeHours('Europe/Berlin', 3), windows: true },
  night: { n: 4, type: 'm5.xlarge', profile: nightBatch('Europe/Berlin', 4) },
  busy: { n: 5, type: 'c5.large', profile: alwaysBusy(5) },
  idle: { n: 6, type: 't3.micro', profile: alwaysIdle(6) },
  fresh: {
    n: 7,
    type: 't3.small',
    profile: launchedAt(alwaysBusy(7), new Date(NOW.getTime() - 2 * 86_400_000)),
  },
} as const;

const PRICES = [
  {
    regionCode: 'us-east-1',
    instanceType: 't3.large',
    operatingSystem: 'Linux',
    usdPerHour: 0.0832,
  },
  {
    regionCode: 'us-east-1',
    instanceType: 't3.large',
    operatingSystem: 'Windows',
    usdPerHour: 0.1108,
  },
  {
    regionCode: 'us-east-1',
    instanceType: 'm5.xlarge',
    operatingSystem: 'Linux',
    usdPerHour: 0.192,
  },
];

let ec2: Ec2Endpoint;
let cw: CloudWatchEndpoint;
let pricing: PricingEndpoint;
let env: Record<string, string>;
let restoreEnv: () => void;
let dir: string;

beforeAll(async () => {
  ec2 = await startEc2Endpoint();
  cw = await startCloudWatchEndpoint({
    now: () => NOW.getTime(),
    utilizationOf: profileByInstance(
      Object.fromEntries(Object.values(FLEET).map((f) => [id(f.n), f.profile])),
    ),
  });
  pricing = await startPricingEndpoint({ prices: PRICES });
  for (const [name, f] of Object.entries(FLEET)) {
    ec2.addInstances(
      makeInstances(1, {
        firstIndex: f.n,
        tags: { Name: name },
        instanceType: f.type,
        ...('windows' in f ? { platformDetails: 'Windows' } : {}),
      }),
    );
  }
  // Scheduled already: left out unless --all; stopped: never looked at.
  ec2.addInstances(
    makeInstances(1, { firstIndex: 8, tags: { Name: 'web', Schedule: 'office-hours' } }),
  );
  ec2.addInstances(makeInstances(1, { firstIndex: 9, state: 'stopped', tags: { Name: 'old' } }));
  env = {
    ...fakeAwsEnv(ec2.url),
    AWS_ENDPOINT_URL_CLOUDWATCH: cw.url,
    AWS_ENDPOINT_URL_PRICING: pricing.url,
  };
  restoreEnv = setEnv(env);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-suggest-'));
});

afterAll(async () => {
  restoreEnv();
  await Promise.all([ec2.close(), cw.close(), pricing.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  cw.reset();
  pricing.reset();
  cw.denyAccess = false;
  pricing.denyAccess = false;
});

async function suggestJson(...argv: string[]): Promise<SuggestReport> {
  const run = await runCli(['suggest', '--json', ...argv], NOW);
  expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
  return JSON.parse(run.out.join('\n')) as SuggestReport;
}

const byName = (report: SuggestReport): Record<string, InstanceSuggestion> =>
  Object.fromEntries(report.instances.map((i) => [i.name, i]));

describe('suggest proposes the expected window for each generated profile', () => {
  let report: SuggestReport;
  let metricCalls: CloudWatchEndpoint['calls'];
  beforeAll(async () => {
    cw.reset();
    report = await suggestJson(...BERLIN);
    metricCalls = [...cw.calls];
  });

  test('office hours in Berlin, with and without gaps, on Linux and Windows', () => {
    const found = byName(report);
    for (const name of ['office', 'gappy', 'windows']) {
      expect(found[name]).toMatchObject({
        verdict: 'idle windows',
        start: 'cron(0 7 ? * MON-FRI *)',
        stop: 'cron(0 19 ? * MON-FRI *)',
        runningHoursPerWeek: 60,
        stoppedShare: 0.643,
        stoppedHoursPerMonth: 470,
      });
    }
    // 470 stopped hours a month at each operating system's on-demand price.
    expect(found.office).toMatchObject({ usdPerHour: 0.0832, savingsPerMonthUsd: 39.1 });
    expect(found.windows).toMatchObject({ usdPerHour: 0.1108, savingsPerMonthUsd: 52.08 });
  });

  test('a night batch job runs from 00:00 to 05:00 every day', () => {
    expect(byName(report).night).toMatchObject({
      verdict: 'idle windows',
      start: 'cron(0 0 ? * * *)',
      stop: 'cron(0 5 ? * * *)',
      runningHoursPerWeek: 35,
      stoppedHoursPerMonth: 578,
      savingsPerMonthUsd: 110.98,
    });
  });

  test('always busy, always idle and not enough data get no schedule', () => {
    const found = byName(report);
    expect(found.busy).toMatchObject({ verdict: 'always busy' });
    expect(found.idle.verdict).toBe('always idle');
    expect(found.idle.reason).toMatch(/stopping it, or a smaller instance type, may beat/);
    expect(found.fresh.verdict).toBe('not enough data');
    for (const name of ['busy', 'idle', 'fresh']) expect(found[name].start).toBeUndefined();
  });

  test('only running instances without the tag; calls batched and prices looked up once each', () => {
    expect(report.instances.map((i) => i.name).sort()).toEqual(Object.keys(FLEET).sort());
    // 7 instances x 3 metrics fit one GetMetricData call; 3 distinct type and system pairs.
    expect(report.calls).toEqual({ GetMetricData: 1, GetProducts: 3 });
    expect(metricCalls.map((c) => [c.operation, c.queries, c.status])).toEqual([
      ['GetMetricData', 21, 200],
    ]);
    expect(report.savingsPerMonthUsd).toBe(39.1 + 39.1 + 52.08 + 110.98);
    expect(report.notes.join(' ')).toMatch(
      /EBS volumes and public IPv4 addresses are still billed while instances are stopped/,
    );
  });

  test('each proposal is taken by addSchedule as it is, and previews to the same hours', () => {
    const stack = new Stack(new App(NO_BUILTIN_VALIDATION), 'Adopted');
    const scheduler = new Ec2Scheduler(stack, 'Scheduler');
    for (const i of report.instances.filter((x) => x.start)) {
      const options = { start: i.start, stop: i.stop, timeZone: report.timeZone };
      scheduler.addSchedule(`${i.name}-hours`, options);
      const preview = previewSchedule(options, { after: NOW, weeks: 4 });
      expect(preview.runningHoursPerWeek).toBe(i.runningHoursPerWeek);
    }
    expect(scheduler.schedules).toHaveLength(4);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('the profile cells: 168 local week hours, Sunday first, busy where the profile is', () => {
    const office = byName(report).office;
    expect(office.busy).toHaveLength(168);
    const busyCells = office.busy.flatMap((b, cell) => (b ? [cell] : []));
    const expected = [1, 2, 3, 4, 5].flatMap((d) =>
      Array.from({ length: 10 }, (_, k) => d * 24 + 8 + k),
    );
    expect(busyCells).toEqual(expected);
    expect(office.running?.filter(Boolean)).toHaveLength(60);
  });
});

test('--all adds the scheduled instance, with its schedule', async () => {
  const report = await suggestJson(...BERLIN, '--all', '--no-prices');
  expect(byName(report).web).toMatchObject({ schedule: 'office-hours' });
  expect(report.calls).toEqual({ GetMetricData: 1 });
  expect(pricing.countCalls()).toBe(0);
  expect(report.instances.every((i) => i.savingsPerMonthUsd === undefined)).toBe(true);
});

test('the text report puts the biggest saving first and says what is still billed', async () => {
  const run = await runCli(['suggest', ...BERLIN], NOW);
  expect(run.code).toBe(0);
  expect(run.out[0]).toBe(
    '7 running instance(s) without a Schedule tag in us-east-1, from 14 days of hourly CloudWatch data (2026-11-17T12:00:00Z to 2026-12-01T12:00:00Z), hours in Europe/Berlin:',
  );
  expect(run.out[2]).toMatch(
    /^i-\w+ +night +m5\.xlarge +idle windows +cron\(0 0 \? \* \* \*\) +cron\(0 5 \? \* \* \*\) +runs 35 h\/week, stopped 79%, saves \$110\.98\/month at \$0\.192\/h$/,
  );
  expect(run.out.join('\n')).toMatch(/4 schedule\(s\) proposed; known savings \$241\.26\/month/);
});

test('--html writes one self-contained page with a heatmap and the window per instance', async () => {
  const file = path.join(dir, 'suggest.html');
  const run = await runCli(['suggest', ...BERLIN, '--html', file], NOW);
  expect(run.code).toBe(0);
  const html = fs.readFileSync(file, 'utf8');
  expect(html.match(/<svg /g)).toHaveLength(7);
  // Nothing to fetch: no script, no stylesheet or image link, no URL but the SVG namespace.
  expect(html).not.toMatch(/<script|<link|src=/);
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
  expect(html).toContain('<code>cron(0 7 ? * MON-FRI *)</code>');
  expect(html).toContain('$110.98/month');
  // The office window: 60 outlined running hours in its heatmap.
  const office = html.slice(html.indexOf(`${id(1)} (office)`));
  expect(office.slice(0, office.indexOf('</section>')).match(/class="run"/g)).toHaveLength(60);
});

test('fewer than 7 days: every instance lacks some week hours, and the report says why', async () => {
  const report = await suggestJson(...BERLIN, '--days', '3', '--no-prices');
  expect(report.instances.every((i) => i.verdict === 'not enough data')).toBe(true);
  expect(report.notes[0]).toMatch(
    /^--days 3: less than a week, so some week hours have no datapoint/,
  );
});

test('throttled GetMetricData calls are retried by the SDK and change nothing', async () => {
  cw.throttleNext(2, 'GetMetricData');
  const report = await suggestJson(...BERLIN, '--no-prices');
  expect(cw.throttledCount('GetMetricData')).toBe(2);
  expect(cw.countCalls('GetMetricData')).toBe(3);
  expect(report.calls).toEqual({ GetMetricData: 1 });
  expect(byName(report).office.start).toBe('cron(0 7 ? * MON-FRI *)');
});

describe('bad input and AWS errors', () => {
  test.each([
    [['--days', '0'], /--days "0" is not a whole number from 1 to 63/],
    [['--days', '64'], /--days "64" is not a whole number from 1 to 63/],
    [['--days', '7.5'], /--days "7.5" is not a whole number/],
    [['--time-zone', 'Mars/Olympus'], /--time-zone "Mars\/Olympus" is not an IANA time zone/],
    [['--idle-cpu', '101'], /--idle-cpu "101" is not a number from 0 to 100/],
    [['--margin', '7'], /--margin "7" is not a whole number from 0 to 6/],
    [
      ['--html', '/no/such/dir/x.html'],
      /--html "\/no\/such\/dir\/x.html": its directory does not exist/,
    ],
  ])('%j exits 2 before any AWS call', async (argv, message) => {
    const run = await runCli(['suggest', ...argv], NOW);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(cw.calls).toHaveLength(0);
  });

  test('CloudWatch denying access exits 1 naming the call', async () => {
    cw.denyAccess = true;
    const run = await runCli(['suggest'], NOW);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^GetMetricData failed: AccessDenied: /);
  });

  test('the Price List denying access exits 1; --no-prices goes without it', async () => {
    pricing.denyAccess = true;
    const run = await runCli(['suggest', ...BERLIN], NOW);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^GetProducts failed: AccessDeniedException: /);
    expect((await runCli(['suggest', ...BERLIN, '--no-prices'], NOW)).code).toBe(0);
  });

  test('no credentials: the shipped bundle exits 1 saying how to configure them', async () => {
    const noKeys = { ...env };
    delete noKeys.AWS_ACCESS_KEY_ID;
    delete noKeys.AWS_SECRET_ACCESS_KEY;
    const run = await runBundle(['suggest'], noKeys);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/no AWS credentials/);
  });
});

test('the shipped bundle proposes the same schedules', async () => {
  const run = await runBundle(['suggest', '--json', ...BERLIN, '--no-prices'], env);
  expect(run.code).toBe(0);
  const found = byName(JSON.parse(run.out.join('\n')) as SuggestReport);
  expect([found.office.start, found.night.stop, found.busy.verdict]).toEqual([
    'cron(0 7 ? * MON-FRI *)',
    'cron(0 5 ? * * *)',
    'always busy',
  ]);
});
