/**
 * Auto Scaling groups at scale: 500 groups of 20 instances (10,000 members in the EC2 model),
 * tagged `Schedule=office-hours`, stopped then started by the shipped stop and start bundles (the
 * example's schedule, audit tags and verification as shipped), next to the naive script
 * (`naive-auto-scaling.mjs`: per group, one call after another), side by side in one bench
 * process. Each side gets a fresh world of the same shape: the loopback EC2 (20 ms per call, its
 * limits raised: not what this measures) and the loopback Auto Scaling behind a 20 ms delay
 * (`delayed` below), optionally with one token bucket for every Auto Scaling call. Every row is
 * checked: a wrong size after a stop or a start fails the bench.
 */
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import {
  findSchedule,
  firingAfter,
  functionSpec,
  synthesize,
  type StackAssembly,
} from '../harness/assembly';
import { type AutoScalingEndpoint, startAutoScalingEndpoint } from '../harness/autoscaling';
import { type Ec2Endpoint, RAISED_EC2_API_LIMITS, startEc2Endpoint } from '../harness/ec2';
import { type EksEndpoint, startEksEndpoint } from '../harness/eks';
import { startLambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime } from '../harness/lambda-runtime';
import { closeServer, startLoopbackFake } from '../harness/loopback';
import { startTaggingEndpoint, type TaggingEndpoint } from '../harness/tagging';
import type { BucketLimit } from '../harness/token-bucket';

const TAG_KEY = 'Schedule';
const SCHEDULE = 'office-hours';
const SIZE_TAG = `${TAG_KEY}:size`;
/** Monday 30 November 2026 07:00 New York: the stop fires at 17:00, the next start Tuesday 08:00. */
const MONDAY_MORNING = new Date('2026-11-30T12:00:00Z');
const MONDAY_NIGHT = new Date('2026-11-30T23:00:00Z');
/** The groups' sizes, in turn: min and max differ, so a start must restore all three. */
const SHAPES = [
  { minSize: 2, desiredCapacity: 20, maxSize: 40 },
  { minSize: 0, desiredCapacity: 20, maxSize: 20 },
  { minSize: 20, desiredCapacity: 20, maxSize: 60 },
] as const;

type Action = 'stop' | 'start';

export interface GroupsBenchOptions {
  readonly groups: number;
  /** Per call, Auto Scaling and EC2 alike. */
  readonly latencyMs: number;
  /** One bucket for every Auto Scaling call (the service documents no figures); false: none. */
  readonly limit: BucketLimit | false;
  /** How long a launch stays Pending and a termination Terminating, in ms. */
  readonly settleMs: number;
}

export interface GroupsRow {
  readonly run: 'scheduler' | 'per-group-baseline';
  readonly action: Action;
  readonly groups: number;
  readonly instances: number;
  readonly limit: BucketLimit | false;
  /** Every call the fakes received (Auto Scaling, EC2, EKS, Tagging), failed ones included. */
  readonly apiCalls: number;
  /** By service and action, e.g. `autoscaling:UpdateAutoScalingGroup`. */
  readonly callsByAction: Record<string, number>;
  /** Auto Scaling calls answered Throttling. */
  readonly throttled: number;
  /** The whole run: every invocation of the chain, or the script from its first call. */
  readonly wallMs: number;
  /** From the first Auto Scaling request to the answer of the last UpdateAutoScalingGroup. */
  readonly actedMs: number;
  /**
   * Median time from an Auto Scaling answer to the next request, while acting (the client's own
   * work per call: the calls are sent one after another on both sides).
   */
  readonly gapMs: number;
  /** Groups the run reported failed, and groups not at the expected size after it. */
  readonly failed: number;
  readonly wrong: number;
  readonly invocations?: number;
}

interface World {
  readonly ec2: Ec2Endpoint;
  readonly asg: AutoScalingEndpoint;
  readonly eks: EksEndpoint;
  readonly tagging: TaggingEndpoint;
  /** The Auto Scaling endpoint behind the latency; the functions and the script call this. */
  readonly url: string;
  /** When each Auto Scaling request arrived and was answered (performance.now()). */
  readonly times: { action: string; arrived: number; answered: number }[];
  close(): Promise<void>;
}

const round = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? 0
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const names = (n: number) =>
  Array.from({ length: n }, (_, k) => `fleet-${String(k + 1).padStart(4, '0')}`);

/** A fresh EC2, Auto Scaling (behind `latencyMs`), EKS and Tagging, with the groups in place. */
async function startWorld(options: GroupsBenchOptions): Promise<World> {
  const ec2 = await startEc2Endpoint({ latencyMs: options.latencyMs });
  const asg = await startAutoScalingEndpoint(ec2);
  asg.launchMs = options.settleMs;
  asg.terminateMs = options.settleMs;
  const eks = await startEksEndpoint();
  const tagging = await startTaggingEndpoint(eks);
  names(options.groups).forEach((name, k) =>
    asg.addGroup({
      name,
      ...SHAPES[k % SHAPES.length],
      tags: [{ key: TAG_KEY, value: SCHEDULE, propagateAtLaunch: true }],
    }),
  );
  const times: World['times'] = [];
  const proxy = await startLoopbackFake((server: Server) => ({
    server,
    async process(req: IncomingMessage, body: string, res: ServerResponse) {
      const arrived = performance.now();
      await sleep(options.latencyMs);
      asg.process(req, body, res);
      const action = asg.requests[asg.requests.length - 1]?.action ?? '';
      times.push({ action, arrived, answered: performance.now() });
    },
  }));
  const port = (proxy.server.address() as AddressInfo).port;
  return {
    ec2,
    asg,
    eks,
    tagging,
    url: `http://127.0.0.1:${port}`,
    times,
    async close() {
      await closeServer(proxy.server);
      await Promise.all([ec2.close(), asg.close(), eks.close(), tagging.close()]);
    },
  };
}

/** The world's clock reads `at` (activity times agree with the functions'); a full bucket. */
function setClock(world: World, at: Date, limit: BucketLimit | false): void {
  world.asg.clockOffsetMs = at.getTime() - Date.now();
  world.asg.setRateLimit(limit);
}

/** Where each fake's request log stands, to count one run's calls. */
function mark(world: World) {
  const at = {
    ec2: world.ec2.requests.length,
    asg: world.asg.requests.length,
    eks: world.eks.requests.length,
    tagging: world.tagging.requests.length,
    times: world.times.length,
  };
  return () => {
    const calls: Record<string, number> = {};
    const add = (key: string) => (calls[key] = (calls[key] ?? 0) + 1);
    world.asg.requests.slice(at.asg).forEach((r) => add(`autoscaling:${r.action}`));
    world.ec2.requests.slice(at.ec2).forEach((r) => add(`ec2:${r.action}`));
    world.eks.requests.slice(at.eks).forEach((r) => add(`eks:${r.action}`));
    world.tagging.requests.slice(at.tagging).forEach((r) => add(`tagging:${r.operation}`));
    const times = world.times.slice(at.times);
    const updates = times.filter((t) => t.action === 'UpdateAutoScalingGroup');
    const actedMs = updates.length
      ? Math.max(...updates.map((t) => t.answered)) - times[0].arrived
      : 0;
    const throttled = world.asg.requests
      .slice(at.asg)
      .filter((r) => r.errorCode === 'Throttling').length;
    const apiCalls = Object.values(calls).reduce((a, b) => a + b, 0);
    const gaps = times.slice(1).map((t, k) => t.arrived - times[k].answered);
    return { calls, apiCalls, throttled, actedMs: round(actedMs), gapMs: round(median(gaps)) };
  };
}

/**
 * Groups not where `action` leaves them: after a stop, MinSize 0, DesiredCapacity 0, MaxSize
 * kept, the size saved in `<tagKey>:size`, no member InService; after a start, the original
 * size and as many members InService as desired. Either way no member was started or stopped
 * as an instance.
 */
function wrongGroups(world: World, action: Action, groups: number): string[] {
  const wrong: string[] = [];
  names(groups).forEach((name, k) => {
    const shape = SHAPES[k % SHAPES.length];
    const g = world.asg.group(name);
    const size = g && `${g.minSize},${g.desiredCapacity},${g.maxSize}`;
    const original = `${shape.minSize},${shape.desiredCapacity},${shape.maxSize}`;
    const saved = g?.tags.get(SIZE_TAG)?.value;
    const inService = world.asg.inService(name).length;
    const ok =
      action === 'stop'
        ? size === `0,0,${shape.maxSize}` && saved === original && inService === 0
        : size === original && inService === shape.desiredCapacity;
    if (!ok) wrong.push(`${name}: ${size} (saved ${saved}), ${inService} InService`);
  });
  const touched = world.ec2.requests.filter((r) =>
    ['StartInstances', 'StopInstances'].includes(r.action),
  );
  if (touched.length > 0) wrong.push(`${touched.length} Start/StopInstances call(s) on members`);
  return wrong;
}

/** The example's schedule (office hours in New York), audit tags and verification as shipped. */
function synthesizeScheduler(outdir: string): StackAssembly {
  return synthesize(outdir, (app) => {
    const s = new Stack(app, 'BenchGroups');
    new Ec2Scheduler(s, 'Scheduler', { timeZone: 'America/New_York' }).addSchedule(SCHEDULE, {
      start: 'cron(0 8 ? * MON-FRI *)',
      stop: 'cron(0 17 ? * MON-FRI *)',
    });
    return s;
  });
}

/** The shipped stop, then start, through a LambdaRuntime, on one world. */
async function schedulerRows(options: GroupsBenchOptions): Promise<GroupsRow[]> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-bench-groups-'));
  const world = await startWorld(options);
  const stack = synthesizeScheduler(outdir);
  const schedules = {
    stop: findSchedule(stack, SCHEDULE, 'stop'),
    start: findSchedule(stack, SCHEDULE, 'start'),
  };
  const arns = Object.values(schedules).map((s) => s.target.arn);
  const lambda = await startLambdaEndpoint({ functions: arns });
  const rt = new LambdaRuntime(lambda);
  const rows: GroupsRow[] = [];
  try {
    for (const schedule of Object.values(schedules)) {
      rt.register(
        functionSpec(
          schedule.target,
          {
            ec2: world.ec2.url,
            lambda: lambda.url,
            autoScaling: world.url,
            eks: world.eks.url,
            tagging: world.tagging.url,
          },
          { env: { EC2_API_LIMITS: RAISED_EC2_API_LIMITS } },
        ),
      );
      await rt.host(schedule.target.arn); // the cold start is not timed
    }
    for (const action of ['stop', 'start'] as const) {
      const schedule = schedules[action];
      const { at, payload } = firingAfter(
        schedule,
        action === 'stop' ? MONDAY_MORNING : MONDAY_NIGHT,
      );
      const now = new Date(at.getTime() + 1000);
      rt.setClock(now);
      setClock(world, now, options.limit);
      const counted = mark(world);
      const t0 = performance.now();
      const invocations = await rt.invoke(schedule.target.arn, payload);
      const wallMs = performance.now() - t0;
      const c = counted();
      const summaries = invocations.map((i) => i.result as Record<string, number> | undefined);
      const errors = invocations.filter((i) => i.error).map((i) => i.error?.message);
      const failed = summaries.reduce((n, s) => n + (s?.groupsFailed ?? 0), 0);
      const wrong = wrongGroups(world, action, options.groups);
      if (errors.length > 0 || wrong.length > 0) {
        throw new Error(
          `scheduler ${action} of ${options.groups} groups: ${errors.length} invocation(s) failed (${errors[0] ?? ''}); ${wrong.length} wrong: ${wrong.slice(0, 3).join('; ')}`,
        );
      }
      rows.push({
        run: 'scheduler',
        action,
        groups: options.groups,
        instances: options.groups * 20,
        limit: options.limit,
        apiCalls: c.apiCalls,
        callsByAction: c.calls,
        throttled: c.throttled,
        wallMs: round(wallMs),
        actedMs: c.actedMs,
        gapMs: c.gapMs,
        failed,
        wrong: wrong.length,
        invocations: invocations.length,
      });
    }
  } finally {
    await rt.close();
    await lambda.close();
    await world.close();
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  return rows;
}

interface NaiveResult {
  readonly acted: number;
  readonly failures: { group: string; errorCode: string }[];
  readonly wallMs: number;
}

/** The naive script's stop, then start, each in a fresh process, on one world. */
async function baselineRows(options: GroupsBenchOptions): Promise<GroupsRow[]> {
  const world = await startWorld(options);
  const rows: GroupsRow[] = [];
  try {
    for (const action of ['stop', 'start'] as const) {
      const child = fork(path.join(__dirname, 'naive-auto-scaling.mjs'), [], {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
          AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          AWS_ENDPOINT_URL_AUTO_SCALING: world.url,
        },
        execArgv: [],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      let stderr = '';
      child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
      setClock(world, new Date(), options.limit);
      const counted = mark(world);
      const result = await new Promise<NaiveResult>((resolve, reject) => {
        child.once('message', (m) => resolve(m as NaiveResult));
        child.once('exit', (code) => reject(new Error(`naive script exited ${code}: ${stderr}`)));
        child.send({ action, names: names(options.groups), sizeTag: SIZE_TAG });
      });
      const c = counted();
      const wrong = wrongGroups(world, action, options.groups);
      // Under a bucket the script's failures are its result; without one, a bench bug.
      if (options.limit === false && (wrong.length > 0 || result.failures.length > 0)) {
        throw new Error(`naive ${action}: ${wrong.length} wrong (${wrong.slice(0, 3).join('; ')})`);
      }
      rows.push({
        run: 'per-group-baseline',
        action,
        groups: options.groups,
        instances: options.groups * 20,
        limit: options.limit,
        apiCalls: c.apiCalls,
        callsByAction: c.calls,
        throttled: c.throttled,
        wallMs: round(result.wallMs),
        actedMs: c.actedMs,
        gapMs: c.gapMs,
        failed: result.failures.length,
        wrong: wrong.length,
      });
    }
  } finally {
    await world.close();
  }
  return rows;
}

/** The scheduler's stop and start, then the naive script's, in one run. */
export async function groupsRows(options: GroupsBenchOptions): Promise<GroupsRow[]> {
  return [...(await schedulerRows(options)), ...(await baselineRows(options))];
}

/** Markdown table of the rows, with the ratios to the baseline's same action. */
export function groupsTable(rows: readonly GroupsRow[]): string {
  const calls = (r: GroupsRow) =>
    Object.entries(r.callsByAction)
      .map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`)
      .join(', ');
  const base = (r: GroupsRow) =>
    rows.find((b) => b.run === 'per-group-baseline' && b.action === r.action);
  const ratio = (r: GroupsRow, key: 'apiCalls' | 'wallMs' | 'actedMs') => {
    const b = base(r);
    return b && r.run === 'scheduler' && r[key] > 0 ? `${(b[key] / r[key]).toFixed(2)}x` : '';
  };
  const lines = [
    '| Run | Action | Groups | Instances | API calls | Calls by action | Throttled | Wall s | Acted s | Client ms between calls | Baseline / us (calls, wall, acted) | Failed / wrong |',
    '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|---:|',
    ...rows.map(
      (r) =>
        `| ${r.run} | ${r.action} | ${r.groups} | ${r.instances.toLocaleString('en-US')} | ${r.apiCalls.toLocaleString('en-US')} | ${calls(r)} | ${r.throttled} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.actedMs / 1000).toFixed(1)} | ${r.gapMs.toFixed(1)} | ${r.run === 'scheduler' ? [ratio(r, 'apiCalls'), ratio(r, 'wallMs'), ratio(r, 'actedMs')].join(', ') : ''} | ${r.failed} / ${r.wrong} |`,
    ),
  ];
  return lines.join('\n');
}

/**
 * The scenario from the command line: `--groups=N` (default 500, 50 with --quick),
 * `--settle-ms=N` (launch and termination time, default 0: members settle at once, as the EC2
 * rows' instances do), `--asg-limit=<capacity>/<refill per second>` (default none).
 */
export function groupsBenchOptions(
  argv: readonly string[],
  quick: boolean,
  latencyMs: number,
): GroupsBenchOptions {
  const arg = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const limit = arg('asg-limit')?.split('/').map(Number);
  if (limit && (limit.length !== 2 || limit.some((n) => !(n > 0)))) {
    throw new Error(
      `--asg-limit=${arg('asg-limit')}: give <capacity>/<refill per second>, e.g. 40/20`,
    );
  }
  return {
    groups: Number(arg('groups') ?? (quick ? 50 : 500)),
    latencyMs,
    limit: limit ? { capacity: limit[0], refillPerSecond: limit[1] } : false,
    settleMs: Number(arg('settle-ms') ?? 0),
  };
}
