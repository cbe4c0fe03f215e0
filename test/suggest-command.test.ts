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
  {
    regionCode: 'us-east-1',
    instanceType: 't3.micro',
    operatingSystem: 'Linux',
    usdPerHour: 0.0104,
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

/** The hours a heatmap boxes as running: the runs `M<hour> <row>h<length>v1h-<length>z`. */
function boxedHours(svg: string): number {
  const d = /<path class="rn" d="([^"]*)"/.exec(svg)?.[1] ?? '';
  return [...d.matchAll(/M[\d.]+ [\d.]+h(\d+)v1h-\d+z/g)].reduce((n, m) => n + Number(m[1]), 0);
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
    expect(found.idle).toMatchObject({
      verdict: 'always idle',
      usdPerHour: 0.0104,
      savingsIfStoppedPerMonthUsd: 7.6, // 730.5 h x $0.0104
    });
    expect(found.idle.reason).toMatch(/stopping it, or a smaller instance type, may beat/);
    expect(found.fresh.verdict).toBe('not enough data');
    for (const name of ['busy', 'idle', 'fresh']) expect(found[name].start).toBeUndefined();
  });

  test('only running instances without the tag; calls batched and prices looked up once each', () => {
    expect(report.instances.map((i) => i.name).sort()).toEqual(Object.keys(FLEET).sort());
    // 7 instances x 3 metrics fit one GetMetricData call; 4 distinct type and system pairs
    // (the proposals' and the always-idle instance's).
    expect(report.calls).toEqual({ GetMetricData: 1, GetProducts: 4 });
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

test('--all adds the scheduled instance, with its current schedule in the JSON, the text and the page', async () => {
  const report = await suggestJson(...BERLIN, '--all', '--no-prices');
  expect(byName(report).web).toMatchObject({ schedule: 'office-hours' });
  expect(report.calls).toEqual({ GetMetricData: 1 });
  expect(pricing.countCalls()).toBe(0);
  expect(report.instances.every((i) => i.savingsPerMonthUsd === undefined)).toBe(true);

  const file = path.join(dir, 'all.html');
  const run = await runCli(['suggest', ...BERLIN, '--all', '--no-prices', '--html', file], NOW);
  const header = run.out.find((l) => l.startsWith('INSTANCE '));
  expect(header).toMatch(/^INSTANCE +NAME +TYPE +CURRENT +VERDICT +PROPOSED +DETAILS$/);
  expect(run.out.find((l) => l.startsWith(id(8)))).toMatch(
    /^i-\w+ +web +t3\.micro +office-hours +/,
  );
  expect(run.out.find((l) => l.startsWith(id(1)))).toMatch(
    /^i-\w+ +office +t3\.large +- +idle windows/,
  );
  expect(fs.readFileSync(file, 'utf8')).toContain(
    `${id(8)} (web) · t3.micro · current schedule: office-hours</h3>`,
  );
});

test('the text report: a summary of the grouped proposals first, the lines that adopt them, then each instance', async () => {
  const run = await runCli(['suggest', ...BERLIN], NOW);
  expect(run.code).toBe(0);
  const text = run.out.join('\n');
  expect(run.out[0]).toBe(
    '7 running instance(s) without a Schedule tag in us-east-1, from 14 days of hourly CloudWatch data (2026-11-17T12:00:00Z to 2026-12-01T12:00:00Z), hours in Europe/Berlin.',
  );
  expect(run.out.slice(2, 7)).toEqual([
    'Summary: 4 of 7 instance(s) fit 2 proposed schedule(s), saving $241.26/month; 1 always idle (stopping it saves $7.60/month); 1 always busy; 1 without enough data.',
    'SCHEDULE       START                    STOP                      RUNS       INSTANCES  SAVES/MONTH',
    'mon-fri-07-19  cron(0 7 ? * MON-FRI *)  cron(0 19 ? * MON-FRI *)  60 h/week  3          $130.28',
    'daily-00-05    cron(0 0 ? * * *)        cron(0 5 ? * * *)         35 h/week  1          $110.98',
    'total                                                                        4          $241.26',
  ]);
  expect(text).toContain(
    [
      "scheduler.addSchedule('mon-fri-07-19', {",
      "  start: 'cron(0 7 ? * MON-FRI *)',",
      "  stop: 'cron(0 19 ? * MON-FRI *)',",
      "  timeZone: 'Europe/Berlin',",
      '});',
    ].join('\n'),
  );
  // The biggest saving first, each instance with the schedule proposed for it.
  expect(run.out).toContain(
    `aws ec2 create-tags --region us-east-1 --tags 'Key=Schedule,Value=mon-fri-07-19' --resources ${id(3)} ${id(1)} ${id(2)}`,
  );
  const rows = run.out.slice(run.out.findIndex((l) => l.startsWith('INSTANCE ')) + 1);
  expect(rows[0]).toMatch(
    /^i-\w+ +night +m5\.xlarge +idle windows +daily-00-05 +runs 35 h\/week, stopped 79%, saves \$110\.98\/month at \$0\.192\/h$/,
  );
  expect(text).toMatch(
    /idle +t3\.micro +always idle +- +never busy .*; stopped, it saves \$7\.60\/month at \$0\.0104\/h/,
  );
  expect(text).toMatch(/EBS volumes and public IPv4 addresses are still billed/);
});

test('the printed addSchedule calls compile into the stack as they are, and the create-tags lines tag each group', async () => {
  const run = await runCli(['suggest', ...BERLIN], NOW);
  const report = await suggestJson(...BERLIN);
  const code = run.out
    .filter((l) => /^(scheduler\.addSchedule| {2}\w+: |\}\);)/.test(l))
    .join('\n');
  const stack = new Stack(new App(NO_BUILTIN_VALIDATION), 'Pasted');
  const scheduler = new Ec2Scheduler(stack, 'Scheduler');
  new Function('scheduler', code)(scheduler);
  expect(scheduler.schedules.map((x) => x.name)).toEqual(report.groups.map((g) => g.name));
  expect(() => Template.fromStack(stack)).not.toThrow();
  const tagged = run.out
    .filter((l) => l.startsWith('aws ec2 create-tags'))
    .map((l) => {
      const m = /--tags 'Key=Schedule,Value=([\w-]+)' --resources (.*)$/.exec(l);
      return [m?.[1], m?.[2].split(' ')];
    });
  expect(tagged).toEqual(report.groups.map((g) => [g.name, g.instanceIds]));
  expect(report.instances.filter((i) => i.proposedSchedule).map((i) => i.proposedSchedule)).toEqual(
    ['daily-00-05', 'mon-fri-07-19', 'mon-fri-07-19', 'mon-fri-07-19'],
  );
});

test('--html writes one self-contained page with the summary, a heatmap and the window per instance, and says so', async () => {
  const file = path.join(dir, 'suggest.html');
  const run = await runCli(['suggest', ...BERLIN, '--html', file], NOW);
  expect(run.code).toBe(0);
  expect(run.err).toBe(`wrote ${file} (7 instances)`);
  const html = fs.readFileSync(file, 'utf8');
  expect(html.match(/<svg class="hm"/g)).toHaveLength(7);
  // Nothing to fetch: no script, no stylesheet or image link, no URL.
  expect(html).not.toMatch(/<script|<link|src=|https?:/);
  // The summary table first, each schedule linking to its part of the page.
  expect(html.indexOf('<table class="summary">')).toBeLessThan(html.indexOf('<svg class="hm"'));
  expect(html).toContain('<a href="#schedule-mon-fri-07-19">mon-fri-07-19</a>');
  expect(html).toContain('<h2 id="schedule-mon-fri-07-19">');
  expect(html).toContain('<code>cron(0 7 ? * MON-FRI *)</code>');
  expect(html).toContain('$110.98/month');
  expect(html).toContain('Stop it: saves <strong>$7.60/month</strong> at $0.0104/h.');
  // The office window: 60 running hours boxed in its heatmap.
  const office = html.slice(html.indexOf(`<section id="${id(1)}"`));
  expect(boxedHours(office.slice(0, office.indexOf('</section>')))).toBe(60);
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
    [
      ['--days', '3'],
      /^--days "3" is under 7: a proposal needs every hour of the week seen at least once, so with fewer days every instance gets "not enough data"; give 7 to 63 \(default 14\)/,
    ],
    [['--days', '0'], /^--days "0" is under 7: /],
    [['--days', '64'], /--days "64" is not a whole number from 7 to 63/],
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

  test('the Price List denying access: the proposals come without prices, with a warning and what to do', async () => {
    pricing.denyAccess = true;
    const run = await runCli(['suggest', '--json', ...BERLIN], NOW);
    expect(run.code).toBe(0);
    expect(run.err).toMatch(
      /^warning: Price List lookups failed \(4 of 4: GetProducts failed: AccessDeniedException: .*not authorized to perform: pricing:GetProducts\), so those savings are not priced; grant pricing:GetProducts \(it is called in us-east-1\), or skip prices with --no-prices\.$/,
    );
    const report = JSON.parse(run.out.join('\n')) as SuggestReport;
    expect(`warning: ${report.notes[0]}`).toBe(run.err);
    expect(byName(report).office).toMatchObject({
      start: 'cron(0 7 ? * MON-FRI *)',
      priceNote: expect.stringMatching(/^no price: GetProducts failed: AccessDeniedException/),
    });
    expect(report.savingsPerMonthUsd).toBe(0);
    expect(report.groups[0]).toMatchObject({ unpriced: 3, savingsPerMonthUsd: 0 });

    // The text and the page say "not priced", not a saving of $0.00.
    const file = path.join(dir, 'unpriced.html');
    const text = await runCli(['suggest', ...BERLIN, '--html', file], NOW);
    expect(text.code).toBe(0);
    expect(text.out.slice(2, 7)).toEqual([
      'Summary: 4 of 7 instance(s) fit 2 proposed schedule(s), savings not priced; 1 always idle (the saving if stopped is not priced); 1 always busy; 1 without enough data.',
      'SCHEDULE       START                    STOP                      RUNS       INSTANCES  SAVES/MONTH',
      'mon-fri-07-19  cron(0 7 ? * MON-FRI *)  cron(0 19 ? * MON-FRI *)  60 h/week  3          not priced',
      'daily-00-05    cron(0 0 ? * * *)        cron(0 5 ? * * *)         35 h/week  1          not priced',
      'total                                                                        4          not priced',
    ]);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).not.toContain('$0.00');
    expect(html).toContain('Schedule mon-fri-07-19: 3 instance(s), savings not priced</h2>');
    expect(html).toContain('<td>3</td><td>not priced</td></tr>');
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
