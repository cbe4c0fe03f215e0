/**
 * `npm run bench [-- --quick]`: drives the shipped handler bundles, loaded from a synthesized
 * cloud assembly and run in their own process as Lambda would, against the loopback EC2 endpoint
 * (20 ms per call), next to the per-instance baseline; measures bundle size, cold import and
 * `cdk synth` time. Writes bench/results.json and the table in BENCHMARKS.md (full run only;
 * `--quick` stops at 1,000 instances and writes bench/tmp/results.quick.json).
 *
 * Two settings for every size:
 * - limits false: the endpoint has no rate limits, and the handler is told so through
 *   EC2_API_LIMITS (the documented setting for accounts with raised limits). Times are wall times.
 * - limits true: the endpoint enforces EC2's documented token buckets, time-scaled by TIME_SCALE,
 *   and the handler is given the same scaled limits through EC2_API_LIMITS and a function timeout
 *   of 900 EC2 seconds. Times are reported in EC2 seconds (wall time x TIME_SCALE).
 */
import { groupsBenchOptions, groupsRows, groupsTable } from './auto-scaling';
import { duplicatesBench } from './duplicates';
import { manyAccountsRows, manyAccountsTable } from './many-accounts';
import { suggestRows, suggestTable } from './suggest';
import { execFileSync, fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { Duration, Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import {
  findSchedule,
  firingAfter,
  functionEnvironment,
  functionSpec,
  synthesize,
  type AssemblySchedule,
  type StackAssembly,
} from '../harness/assembly';
import {
  EC2_SCHEDULE_BUCKETS,
  ec2ApiLimits,
  makeInstances,
  RAISED_EC2_API_LIMITS,
  startEc2Endpoint,
  type Ec2Endpoint,
} from '../harness/ec2';
import { startGroupFakes } from '../harness/group-fakes';
import { startLambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime, type HostStats, type Invocation } from '../harness/lambda-runtime';

const ROOT = path.resolve(__dirname, '..');
const QUICK = process.argv.includes('--quick');
/**
 * Development aid: `--only=scheduler:start:3000:true[:variant]` runs that one scenario and
 * nothing else; `--only=ice` runs the 1,000 starts with and without an instance that lacks
 * capacity, side by side; `--only=accounts` runs the hub's 20,000 starts over 100 targets (see
 * many-accounts.ts); `--only=status` measures `cdk-ec2-scheduler status` over 10,000
 * instances; `--only=suggest` runs `cdk-ec2-scheduler suggest` over 2,000 instances (200 with
 * --quick) next to the naive GetMetricStatistics script (see suggest.ts); `--only=duplicates`
 * delivers a 2,500-instance start once and twice at once, deduplication off and on, and measures
 * what deduplication costs a run (see duplicates.ts); `--only=groups` stops and starts 500 Auto
 * Scaling groups of 20 instances (50 with --quick; `--groups=N`, `--settle-ms=N`,
 * `--asg-limit=<capacity>/<refill per second>` change the scenario) next to the naive per-group
 * script (see auto-scaling.ts).
 */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
/** EC2 seconds per wall second in the "limits: true" runs. */
const TIME_SCALE = 15;
const LATENCY_MS = 20;
const NO_LIMIT_SIZES = QUICK ? [100, 1000] : [100, 1000, 10_000];
const LIMIT_SIZES = QUICK ? [100, 1000] : [100, 1000, 3000, 10_000];
/** Baseline under limits runs at its bucket's rate; bigger sizes are extrapolated from these. */
const BASELINE_LIMIT_MAX = 3000;
const MiB = 1024 * 1024;
/** Instances `cdk-ec2-scheduler status` lists in the bench (1,000 with --quick). */
const STATUS_INSTANCES = QUICK ? 1000 : 10_000;
const TAG_KEY = 'Schedule';
const SCHEDULE = 'office-hours';
/** Monday 30 November 2026 07:00 New York; the schedules fire at 08:00 and 17:00. */
const MONDAY_MORNING = new Date('2026-11-30T12:00:00Z');

type Action = 'start' | 'stop';
const SCALED_LIMITS = ec2ApiLimits(TIME_SCALE);

export interface ScenarioRow {
  readonly name: 'scheduler' | 'per-instance-baseline';
  readonly action: Action;
  readonly instances: number;
  readonly limits: boolean;
  /** Every call the endpoint received, failed and throttled ones included. */
  readonly apiCalls: number;
  readonly callsByAction: Record<string, number>;
  /** Wall-clock time of the whole run (every invocation of the chain). */
  readonly wallMs: number;
  /**
   * Peak RSS growth: the process's own peak RSS while the scenario ran (Linux's VmHWM, reset
   * once the handler was loaded; see harness/peak-rss.mjs) minus its RSS before it loaded the
   * handler file (or, for the baseline, the SDK): what the handler, its code included, needed
   * above a bare `node`.
   */
  readonly rssMiB: number | null;
  /** That peak itself (the whole process's RSS at its peak, bare `node` included). */
  readonly peakRssMiB: number | null;
  /** RSS growth from loading the handler file alone (scheduler rows). */
  readonly loadRssMiB?: number;
  /** EC2 time of the whole run: wallMs x timeScale (wallMs without limits). */
  readonly ec2Ms: number;
  /**
   * EC2 time from the first API request (the listing) until the last instance was started or
   * stopped (that call answered): the part of the run the buckets and the latency bound.
   */
  readonly actedMs: number;
  readonly timeScale?: number;
  /** Limits only: the least EC2 time the buckets and the unavoidable calls allow. */
  readonly floorMs?: number;
  /** Limits only: calls answered RequestLimitExceeded. */
  readonly throttled?: number;
  /** Instances that ended failed (the run said so) or not in the target state (lost). */
  readonly failed: number;
  readonly lost: number;
  readonly invocations?: number;
  readonly extrapolated?: string;
  /**
   * lean: the scheduler with audit tags and verification off (what the baseline does). ice-*:
   * one instance of the fleet lacks capacity (InsufficientInstanceCapacity, HTTP 500); charged or
   * free: whether the endpoint keeps the tokens of a failed call; other-type: the bad instance is
   * of another instance type than the rest.
   */
  readonly variant?: Variant;
  /** `--previous=<dir>` (`--only=ice` or one scenario): which handler bundles ran (`now`, or `previous` from <dir>). */
  readonly handlers?: 'previous' | 'now';
  /** StartInstances/StopInstances calls after the first, throttled ones included. */
  readonly laterActionCalls?: number;
  /** Instance ids in the failed (not throttled) start/stop calls after the first: wasted tokens. */
  readonly wastedIds?: number;
}

type Variant =
  'lean' | 'ice-charged' | 'ice-free' | 'ice-other-type-charged' | 'ice-other-type-free';
const ICE_VARIANTS: readonly Variant[] = [
  'ice-charged',
  'ice-free',
  'ice-other-type-charged',
  'ice-other-type-free',
];
const VARIANT_LABELS: Record<Variant, string> = {
  lean: 'no audit tags, no verification',
  'ice-charged': '1 lacks capacity; failed calls charged',
  'ice-free': '1 lacks capacity; failed calls free',
  'ice-other-type-charged': '1 of another type lacks capacity; failed calls charged',
  'ice-other-type-free': '1 of another type lacks capacity; failed calls free',
};

interface FigureRow {
  readonly name: string;
  readonly [key: string]: unknown;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pages = (n: number) => Math.max(1, Math.ceil(n / 1000));

/** The EC2 seconds one call takes (the endpoint's latency, scaled). */
function callSeconds(limits: boolean): number {
  return (LATENCY_MS / 1000) * (limits ? TIME_SCALE : 1);
}

/**
 * The least EC2 time (ms) to act on n instances: the listing pages and the last call at the
 * configured latency, plus the time the buckets need beyond their capacity.
 */
function floorMs(name: ScenarioRow['name'], action: Action, n: number, variant?: Variant): number {
  const call = callSeconds(true);
  const listing = pages(n) * call;
  const { request, resource } = EC2_SCHEDULE_BUCKETS[action];
  if (variant?.startsWith('ice') && variant.endsWith('-charged')) {
    // The first call, with all ids, fails and takes its tokens: the others wait for the refill.
    return (listing + call + (n - 1) / resource.refillPerSecond + call) * 1000;
  }
  if (variant?.startsWith('ice')) {
    // Within the request bucket: the failed call, then the others in one call.
    return (listing + 2 * call) * 1000;
  }
  if (name === 'scheduler') {
    // Batches of up to 1,000 ids: the resource bucket binds.
    return (listing + Math.max(0, n - resource.capacity) / resource.refillPerSecond + call) * 1000;
  }
  // One call per instance, one after another: the request bucket or the latency binds.
  const bucket = Math.max(0, n - request.capacity) / request.refillPerSecond + call;
  return (listing + Math.max(n * call, bucket)) * 1000;
}

function scaledClock(ep: Ec2Endpoint, limits: boolean, chargeFailedCalls = true): void {
  ep.setLimits(limits ? { timeScale: TIME_SCALE, chargeFailedCalls } : false);
  ep.resetClock();
}

/** The handler's start or stop function, driven by the schedule's own input. */
async function runScheduler(
  stack: StackAssembly,
  action: Action,
  n: number,
  limits: boolean,
  variant?: Variant,
  /** Handler bundles to run instead of the assembly's (`<dir>/start/index.js`, ...). */
  bundles?: string,
): Promise<ScenarioRow> {
  const schedule: AssemblySchedule = findSchedule(stack, SCHEDULE, action);
  const target = schedule.target;
  const fn = bundles ? { ...target, file: path.join(bundles, action, 'index.js') } : target;
  const ep = await startEc2Endpoint({ latencyMs: LATENCY_MS });
  const lambda = await startLambdaEndpoint({ functions: [fn.arn] });
  // No groups: each run's one DescribeAutoScalingGroups finds none.
  const groups = await startGroupFakes(ep);
  const rt = new LambdaRuntime(lambda);
  const scale = limits ? TIME_SCALE : 1;
  rt.register({
    ...functionSpec(
      fn,
      { ec2: ep.url, lambda: lambda.url, ...groups.urls },
      {
        env: { EC2_API_LIMITS: limits ? SCALED_LIMITS : RAISED_EC2_API_LIMITS },
        // Lambda's timeout in EC2 seconds.
        timeoutMs: (fn.timeoutSeconds * 1000) / scale,
      },
    ),
    ...(process.env.BENCH_MEMORY === 'gc' ? { execArgv: ['--expose-gc'] } : {}),
    ...(process.env.BENCH_MEMORY_SAMPLES ? { sampleMemoryMs: 20 } : {}),
  });
  try {
    ep.addInstances(
      makeInstances(n, {
        tags: { [TAG_KEY]: SCHEDULE },
        state: action === 'start' ? 'stopped' : 'running',
      }),
    );
    let bad = 0;
    if (variant?.startsWith('ice')) {
      // An instance in the middle of the fleet (it takes bisection as long as any).
      const id = ep.instances()[Math.floor(n / 2)].instanceId;
      if (variant.includes('other-type')) ep.updateInstance(id, { instanceType: 'p5.48xlarge' });
      ep.failInstance(id, 'InsufficientInstanceCapacity');
      bad = 1;
    }
    const host = await rt.host(fn.arn); // the cold start is not timed
    const { at, payload } = firingAfter(schedule, MONDAY_MORNING);
    rt.setClock(new Date(at.getTime() + 1000));
    scaledClock(ep, limits, !variant?.endsWith('-free'));
    const t0 = performance.now();
    const invocations = await rt.invoke(fn.arn, payload);
    const wallMs = performance.now() - t0;
    const stats = await host.stats();
    if (process.env.BENCH_MEMORY) memoryTrace(invocations, stats);
    if (process.env.BENCH_TRACE) {
      // Development aid: the request timeline of this scenario, in EC2 seconds.
      const trace = ep.requests.map(
        (r) => `${r.ec2At.toFixed(2)} ${r.action} ${r.status} ${r.instanceIds.length}`,
      );
      fs.writeFileSync(process.env.BENCH_TRACE, `${trace.join('\n')}\n`);
    }
    const target = action === 'start' ? 'running' : 'stopped';
    const done = ep.instances().filter((i) => i.state === target).length;
    // Only the chain's last run fails, naming how many instances failed in the whole chain.
    const last = invocations[invocations.length - 1];
    const reported = Number(
      /^(\d+) instance\(s\) failed/.exec(last?.error?.message ?? '')?.[1] ?? 0,
    );
    const errors = invocations.filter((i) => i.error).map((i) => i.error?.message);
    if (errors.length > bad) log(`  ${errors.length} invocation(s) failed: ${errors[0]}`);
    return {
      name: 'scheduler',
      ...(variant ? { variant } : {}),
      action,
      instances: n,
      limits,
      apiCalls: ep.countCalls(),
      callsByAction: byAction(ep),
      wallMs: round(wallMs),
      rssMiB: round((stats.maxRss - stats.baselineRss) / MiB),
      peakRssMiB: round(stats.maxRss / MiB),
      loadRssMiB: round((stats.loadedRss - stats.baselineRss) / MiB),
      ec2Ms: round(wallMs * scale),
      actedMs: actedMs(ep, action, limits),
      ...(limits
        ? {
            timeScale: TIME_SCALE,
            floorMs: round(floorMs('scheduler', action, n, variant)),
            throttled: ep.throttledCount(),
          }
        : {}),
      failed: reported,
      lost: n - done - reported,
      invocations: invocations.length,
      ...laterCalls(ep, action),
    };
  } finally {
    await rt.close();
    await lambda.close();
    await groups.close();
    await ep.close();
  }
}

/**
 * Development aid, `BENCH_MEMORY=1` (or `=gc`: the host runs with --expose-gc and collects after
 * each invocation, so heap used is what the handler keeps from one run to the next): each
 * invocation's peak RSS and memory at its end, in MiB, on stderr; with
 * `BENCH_MEMORY_SAMPLES=<file>`, its memory every 20 ms as a table in that file.
 */
function memoryTrace(invocations: readonly Invocation[], stats: HostStats): void {
  const mib = (n: number | undefined) => (n === undefined ? '-' : round(n / MiB).toFixed(1));
  const file = process.env.BENCH_MEMORY_SAMPLES;
  if (file) {
    const lines = invocations.flatMap((inv, k) =>
      (inv.memory?.samples ?? []).map(([ms, m]) =>
        [k, ms, m.rss, m.heapUsed, m.heapTotal, m.external].map((n, i) => (i < 2 ? n : mib(n))),
      ),
    );
    const head = 'invocation\tms\trss\theapUsed\theapTotal\texternal';
    fs.writeFileSync(file, [head, ...lines.map((l) => l.join('\t'))].join('\n') + '\n');
  }
  log(
    `  RSS before load ${mib(stats.baselineRss)}, after ${mib(stats.loadedRss)}, peak ${mib(stats.maxRss)} (${stats.peakSource})`,
  );
  invocations.forEach((inv, k) => {
    const m = inv.memory;
    log(
      `  #${k} ${round(inv.wallMs, 0)} ms: peak RSS ${mib(m?.peakRss)}; at end RSS ${mib(m?.rss)}, heap ${mib(m?.heapUsed)} of ${mib(m?.heapTotal)}, external ${mib(m?.external)} (array buffers ${mib(m?.arrayBuffers)})`,
    );
  });
}

/** The start/stop calls after the first, and the ids of the failed ones (not throttled). */
function laterCalls(ep: Ec2Endpoint, action: Action) {
  const mutating = action === 'start' ? 'StartInstances' : 'StopInstances';
  const later = ep.requests.filter((r) => r.action === mutating).slice(1);
  const failed = later.filter((r) => r.status !== 200 && r.errorCode !== 'RequestLimitExceeded');
  return {
    laterActionCalls: later.length,
    wastedIds: failed.reduce((sum, r) => sum + r.instanceIds.length, 0),
  };
}

/** EC2 ms from the first request's arrival to the answer of the last accepted start/stop. */
function actedMs(ep: Ec2Endpoint, action: Action, limits: boolean): number {
  const mutating = action === 'start' ? 'StartInstances' : 'StopInstances';
  const first = ep.requests[0]?.ec2At ?? 0;
  const last = Math.max(
    first,
    ...ep.requests.filter((r) => r.action === mutating && r.status === 200).map((r) => r.ec2At),
  );
  return round((last - first + callSeconds(limits)) * 1000);
}

function byAction(ep: Ec2Endpoint): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of ep.requests) out[r.action] = (out[r.action] ?? 0) + 1;
  return out;
}

interface BaselineResult {
  found: number;
  acted: number;
  throttled: number;
  failures: unknown[];
  wallMs: number;
  baselineRss: number;
  maxRss: number;
}

/** One StartInstances/StopInstances per instance, sequentially, in a fresh process. */
async function runBaseline(action: Action, n: number, limits: boolean): Promise<ScenarioRow> {
  const ep = await startEc2Endpoint({ latencyMs: LATENCY_MS });
  try {
    ep.addInstances(
      makeInstances(n, {
        tags: { [TAG_KEY]: SCHEDULE },
        state: action === 'start' ? 'stopped' : 'running',
      }),
    );
    const child = fork(path.join(__dirname, 'baseline.mjs'), [], {
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_ENDPOINT_URL_EC2: ep.url,
      },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const result = await new Promise<BaselineResult>((resolve, reject) => {
      child.once('message', (m) => resolve(m as BaselineResult));
      child.once('exit', (code) => reject(new Error(`baseline exited ${code}: ${stderr}`)));
      scaledClock(ep, limits);
      child.send({
        action,
        tagKey: TAG_KEY,
        schedule: SCHEDULE,
        throttleWaitMs: limits
          ? 1000 / (EC2_SCHEDULE_BUCKETS[action].request.refillPerSecond * TIME_SCALE)
          : 0,
      });
    });
    const scale = limits ? TIME_SCALE : 1;
    const target = action === 'start' ? 'running' : 'stopped';
    const done = ep.instances().filter((i) => i.state === target).length;
    return {
      name: 'per-instance-baseline',
      action,
      instances: n,
      limits,
      apiCalls: ep.countCalls(),
      callsByAction: byAction(ep),
      wallMs: round(result.wallMs),
      rssMiB: round((result.maxRss - result.baselineRss) / MiB),
      peakRssMiB: round(result.maxRss / MiB),
      ec2Ms: round(result.wallMs * scale),
      actedMs: actedMs(ep, action, limits),
      ...(limits
        ? {
            timeScale: TIME_SCALE,
            floorMs: round(floorMs('per-instance-baseline', action, n)),
            throttled: ep.throttledCount(),
          }
        : {}),
      failed: result.failures.length,
      lost: n - done - result.failures.length,
    };
  } finally {
    await ep.close();
  }
}

/** Linear extrapolation of a bucket-bound baseline from two measured sizes. */
function extrapolate(a: ScenarioRow, b: ScenarioRow, n: number): ScenarioRow {
  const per = (key: 'wallMs' | 'ec2Ms' | 'actedMs' | 'apiCalls' | 'throttled') =>
    ((b[key] ?? 0) - (a[key] ?? 0)) / (b.instances - a.instances);
  const at = (key: 'wallMs' | 'ec2Ms' | 'actedMs' | 'apiCalls' | 'throttled') =>
    round((b[key] ?? 0) + per(key) * (n - b.instances));
  return {
    ...b,
    instances: n,
    apiCalls: Math.round(at('apiCalls')),
    callsByAction: {},
    wallMs: at('wallMs'),
    ec2Ms: at('ec2Ms'),
    actedMs: at('actedMs'),
    rssMiB: null,
    peakRssMiB: null,
    floorMs: round(floorMs(b.name, b.action, n)),
    throttled: Math.round(at('throttled')),
    failed: 0,
    lost: 0,
    extrapolated: `linear from the ${a.instances}- and ${b.instances}-instance runs`,
  };
}

function bundleFigures(stack: StackAssembly): FigureRow[] {
  return (['start', 'stop'] as const).map((action) => {
    const file = findSchedule(stack, SCHEDULE, action).target.file;
    const bytes = fs.readFileSync(file);
    return {
      name: 'bundle',
      handler: action,
      bytes: bytes.length,
      MiB: round(bytes.length / MiB, 3),
      gzipBytes: gzipSync(bytes, { level: 9 }).length,
      sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    };
  });
}

/** Time to require the handler file in a fresh `node` process (median of several). */
function coldImport(stack: StackAssembly, runs: number): FigureRow[] {
  return (['start', 'stop'] as const).map((action) => {
    const fn = findSchedule(stack, SCHEDULE, action).target;
    const script =
      'const t=process.hrtime.bigint();require(process.argv[1]);' +
      'process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))';
    const requireMs: number[] = [];
    const processMs: number[] = [];
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      const out = spawnSync(process.execPath, ['-e', script, fn.file], {
        env: {
          PATH: process.env.PATH ?? '',
          ...functionEnvironment(fn, {
            ec2: 'http://127.0.0.1:9',
            lambda: 'http://127.0.0.1:9',
            autoScaling: 'http://127.0.0.1:9',
            eks: 'http://127.0.0.1:9',
            tagging: 'http://127.0.0.1:9',
          }),
        },
        encoding: 'utf8',
      });
      processMs.push(performance.now() - t0);
      if (out.status !== 0) throw new Error(`cold import of ${fn.file} failed: ${out.stderr}`);
      requireMs.push(Number(out.stdout));
    }
    return {
      name: 'cold-import',
      handler: action,
      runs,
      requireMs: round(median(requireMs)),
      requireMsMax: round(Math.max(...requireMs)),
      processMs: round(median(processMs)),
    };
  });
}

/** Runs the shipped command bundle in its own `node`; resolves to its exit code and output lines. */
function runCliBundle(args: string[], env: Record<string, string>): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'assets', 'cli.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      for (const byte of c) if (byte === 10) lines++;
    });
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve([code, lines]) : reject(new Error(`status exited ${code}: ${stderr}`)),
    );
  });
}

/**
 * `cdk-ec2-scheduler status <cdk.out>` (the shipped bundle, in a fresh `node` each run, table
 * output read to the end) over n tagged instances on the endpoint: wall time of the whole process
 * (median of `runs`) and its DescribeInstances calls. A tenth of the instances carry an override,
 * every one an audit tag.
 */
async function statusFigure(stack: StackAssembly, n: number, runs: number): Promise<FigureRow> {
  const ep = await startEc2Endpoint({ latencyMs: LATENCY_MS });
  const until = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  ep.addInstances(
    makeInstances(n, {
      tags: (i) => ({
        Name: `web-${i}`,
        [TAG_KEY]: SCHEDULE,
        [`${TAG_KEY}:last-action`]: `stopped 2026-11-30T22:00:03Z by ${SCHEDULE}`,
        ...(i % 10 === 0 ? { [`${TAG_KEY}:override`]: `running until ${until}` } : {}),
      }),
      state: 'stopped',
    }),
  );
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_ENDPOINT_URL_EC2: ep.url,
  };
  const times: number[] = [];
  const calls: number[] = [];
  let lines = 0;
  try {
    for (let k = 0; k < runs; k++) {
      ep.clearRequests();
      const t0 = performance.now();
      [, lines] = await runCliBundle(['status', stack.directory], env);
      times.push(performance.now() - t0);
      calls.push(ep.countCalls('DescribeInstances'));
    }
  } finally {
    await ep.close();
  }
  if (lines < n + 2) throw new Error(`status printed ${lines} lines for ${n} instances`);
  return {
    name: 'cli-status',
    instances: n,
    runs,
    medianMs: round(median(times), 0),
    allMs: times.map((t) => round(t, 0)),
    describeCalls: Math.max(...calls),
  };
}

/** `npx cdk synth -q` wall time (median), in a fresh output directory each time. */
function synthTime(label: string, app: string | undefined, runs: number): FigureRow {
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
    const args = ['cdk', 'synth', '-q', '-o', out, ...(app ? ['--app', app] : [])];
    const t0 = performance.now();
    const r = spawnSync('npx', args, { cwd: ROOT, encoding: 'utf8', env: process.env });
    times.push(performance.now() - t0);
    fs.rmSync(out, { recursive: true, force: true });
    if (r.status !== 0) throw new Error(`cdk synth (${label}) failed: ${r.stderr}`);
  }
  return {
    name: 'cdk-synth',
    app: label,
    runs,
    medianMs: round(median(times), 0),
    allMs: times.map((t) => round(t, 0)),
  };
}

interface EnvironmentFigure extends FigureRow {
  readonly name: 'environment';
  readonly date: string;
  readonly quick: boolean;
  readonly nproc: number;
  readonly cpu: string;
  readonly node: string;
  readonly commit: string;
  readonly uncommittedInLambdaOrLib: boolean;
  readonly timeScale: number;
  readonly latencyMs: number;
}

function environment(): EnvironmentFigure {
  const cpu = /model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  return {
    name: 'environment',
    date: new Date().toISOString(),
    quick: QUICK,
    nproc: os.availableParallelism(),
    cpu: cpu ?? 'unknown',
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedInLambdaOrLib: git(['status', '--porcelain', '--', 'lambda', 'lib']) !== '',
    timeScale: TIME_SCALE,
    latencyMs: LATENCY_MS,
  };
}

const fmtS = (ms: number | undefined | null, digits = 1) =>
  ms === undefined || ms === null ? '' : (ms / 1000).toFixed(digits);

function table(rows: readonly ScenarioRow[]): string {
  const head =
    '| Run | Action | Instances | Limits | API calls | Throttled | Wall s | EC2 s (run) | EC2 s (last acted) | Floor EC2 s | Acted / floor | Failed / lost | Peak RSS growth MiB |\n' +
    '|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|';
  const lines = rows.map((r) =>
    [
      r.name +
        (r.extrapolated ? ' (extrapolated)' : '') +
        (r.variant ? ` (${VARIANT_LABELS[r.variant]})` : ''),
      r.action,
      r.instances.toLocaleString('en-US'),
      r.limits ? `EC2 x${r.timeScale}` : 'none',
      r.apiCalls.toLocaleString('en-US'),
      r.throttled ?? '',
      fmtS(r.wallMs),
      fmtS(r.ec2Ms),
      fmtS(r.actedMs),
      fmtS(r.floorMs),
      r.floorMs ? (r.actedMs / r.floorMs).toFixed(2) : '',
      `${r.failed} / ${r.lost}`,
      r.rssMiB === null ? '' : r.rssMiB.toFixed(1),
    ].join(' | '),
  );
  return [head, ...lines.map((l) => `| ${l} |`)].join('\n');
}

/**
 * The ICE rows: the start calls after the first (throttled included), the ids of the failed ones
 * (instance tokens wasted where failed calls are charged), their sum (what the search spends of
 * the two StartInstances buckets, in tokens), and the time past the floor, also net of what the
 * row without a bad instance spends past its own floor (the handler's work before its first
 * call, which the time scale multiplies by 15).
 */
function iceTable(rows: readonly ScenarioRow[]): string {
  const head =
    '| Bad instance | Failed calls | Handlers | Start calls after the first | Throttled | Failed ids after the first | Calls + failed ids | EC2 s (last acted) | Floor EC2 s | Past floor | Past floor, net of the no-bad row |\n' +
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|';
  const over = (r: ScenarioRow) => r.actedMs - (r.floorMs ?? 0);
  const lines = rows.map((r) => {
    const none = rows.find((x) => x.variant === undefined && x.handlers === r.handlers);
    const calls = r.laterActionCalls ?? 0;
    const wasted = r.wastedIds ?? 0;
    return [
      r.variant === undefined
        ? 'none'
        : r.variant.includes('other-type')
          ? 'another type'
          : 'same type',
      r.variant === undefined ? '' : r.variant.endsWith('-charged') ? 'charged' : 'free',
      r.handlers ?? 'now',
      calls,
      r.throttled ?? '',
      wasted,
      calls + wasted,
      fmtS(r.actedMs),
      fmtS(r.floorMs),
      fmtS(over(r)),
      none && r !== none ? fmtS(over(r) - over(none)) : '',
    ].join(' | ');
  });
  return [head, ...lines.map((l) => `| ${l} |`)].join('\n');
}

function figuresTable(figures: readonly FigureRow[]): string {
  const out = ['| Figure | Value |', '|---|---|'];
  for (const f of figures) {
    if (f.name === 'bundle') {
      out.push(
        `| Bundle ${f.handler} | ${(f.bytes as number).toLocaleString('en-US')} bytes (${f.MiB} MiB), gzip ${(f.gzipBytes as number).toLocaleString('en-US')} bytes |`,
      );
    } else if (f.name === 'cold-import') {
      out.push(
        `| Cold import ${f.handler} (require in a fresh node, median of ${f.runs}) | ${f.requireMs} ms (max ${f.requireMsMax} ms; whole process ${f.processMs} ms) |`,
      );
    } else if (f.name === 'cli-status') {
      out.push(
        `| cdk-ec2-scheduler status, ${(f.instances as number).toLocaleString('en-US')} instances (shipped bundle, table; median of ${f.runs}) | ${((f.medianMs as number) / 1000).toFixed(2)} s (${(f.allMs as number[]).map((t) => (t / 1000).toFixed(2)).join(', ')}); ${f.describeCalls} DescribeInstances calls |`,
      );
    } else if (f.name === 'cdk-synth') {
      out.push(
        `| cdk synth -q, ${f.app} (median of ${f.runs}) | ${((f.medianMs as number) / 1000).toFixed(2)} s (${(f.allMs as number[]).map((t) => (t / 1000).toFixed(2)).join(', ')}) |`,
      );
    }
  }
  return out.join('\n');
}

async function main(): Promise<void> {
  const env = environment();
  log(`bench ${QUICK ? '--quick ' : ''}on ${env.nproc} cores, ${env.cpu}, node ${env.node}`);
  if (ONLY === 'duplicates') {
    process.stdout.write(await duplicatesBench(QUICK));
    return;
  }
  if (ONLY === 'groups') {
    const options = groupsBenchOptions(process.argv, QUICK, LATENCY_MS);
    log(
      `groups: ${JSON.stringify(options)}, the scheduler's stop and start, then the naive script's`,
    );
    const rows = await groupsRows(options);
    fs.mkdirSync(path.join(__dirname, 'tmp'), { recursive: true });
    const file = path.join(__dirname, 'tmp', `groups${QUICK ? '.quick' : ''}.json`);
    fs.writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(rows)}\n${groupsTable(rows)}\n`);
    log(`wrote ${path.relative(ROOT, file)}`);
    return;
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-assembly-'));
  const leanDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-lean-'));
  const rows: ScenarioRow[] = [];
  const figures: FigureRow[] = [env];
  try {
    // The example's schedule, through the public API.
    const stack = synthesize(outdir, (app) => {
      const s = new Stack(app, 'BenchScheduler');
      new Ec2Scheduler(s, 'Scheduler', { timeZone: 'America/New_York' }).addSchedule(SCHEDULE, {
        start: 'cron(0 8 ? * MON-FRI *)',
        stop: 'cron(0 17 ? * MON-FRI *)',
        skipDates: ['2026-12-25', '2027-01-01'],
      });
      return s;
    });
    // The same schedule with audit tags and verified starts off: the work the baseline does.
    const lean = synthesize(leanDir, (app) => {
      const s = new Stack(app, 'BenchLean');
      new Ec2Scheduler(s, 'Scheduler', {
        timeZone: 'America/New_York',
        auditTags: false,
        verifyTimeout: Duration.seconds(0),
      }).addSchedule(SCHEDULE, {
        start: 'cron(0 8 ? * MON-FRI *)',
        stop: 'cron(0 17 ? * MON-FRI *)',
      });
      return s;
    });
    if (ONLY === 'ice') {
      // `--previous=<dir>`: the same rows with the handler bundles in <dir>/start and <dir>/stop
      // (built at another commit), each next to the current ones, minutes apart in one run.
      const previous = process.argv.find((a) => a.startsWith('--previous='))?.slice(11);
      const ice: ScenarioRow[] = [];
      for (const variant of [undefined, ...ICE_VARIANTS]) {
        for (const handlers of previous ? (['previous', 'now'] as const) : (['now'] as const)) {
          log(`scheduler start 1000 limits=true ${variant ?? ''} ${handlers}`);
          const bundles = handlers === 'previous' ? path.resolve(previous as string) : undefined;
          const row = await runScheduler(stack, 'start', 1000, true, variant, bundles);
          ice.push({ ...row, handlers });
          log(`  ${JSON.stringify(ice[ice.length - 1])}`);
        }
      }
      process.stdout.write(`${table(ice)}\n\n${iceTable(ice)}\n`);
      return;
    }
    if (ONLY === 'accounts') {
      log('hub: 50 accounts x 2 Regions x 200 instances, 10 targets at once and 1');
      const hub = await manyAccountsRows();
      process.stdout.write(`${JSON.stringify(hub)}\n${manyAccountsTable(hub)}\n`);
      return;
    }
    if (ONLY === 'suggest') {
      const n = QUICK ? 200 : 2000;
      log(`suggest: ${n} instances x 14 days, next to the naive script`);
      const rows = await suggestRows(n, QUICK ? 1 : 3);
      fs.mkdirSync(path.join(__dirname, 'tmp'), { recursive: true });
      const file = path.join(__dirname, 'tmp', `suggest${QUICK ? '.quick' : ''}.json`);
      fs.writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(rows)}\n${suggestTable(rows)}\n`);
      log(`wrote ${path.relative(ROOT, file)}`);
      return;
    }
    if (ONLY === 'status') {
      log(`cdk-ec2-scheduler status ${STATUS_INSTANCES}`);
      const figure = await statusFigure(stack, STATUS_INSTANCES, 3);
      process.stdout.write(`${JSON.stringify(figure)}\n${figuresTable([figure])}\n`);
      return;
    }
    if (ONLY) {
      const [name, action, n, limits, variant] = ONLY.split(':');
      // `--previous=<dir>` (scheduler rows): the same scenario with the handler bundles in <dir>
      // first, then the current ones, in one run.
      const previous = process.argv.find((a) => a.startsWith('--previous='))?.slice(11);
      const single: ScenarioRow[] = [];
      for (const handlers of previous && name === 'scheduler'
        ? (['previous', 'now'] as const)
        : (['now'] as const)) {
        const bundles = handlers === 'previous' ? path.resolve(previous as string) : undefined;
        const row =
          name === 'scheduler'
            ? await runScheduler(
                variant === 'lean' ? lean : stack,
                action as Action,
                Number(n),
                limits === 'true',
                variant as Variant | undefined,
                bundles,
              )
            : await runBaseline(action as Action, Number(n), limits === 'true');
        single.push(previous ? { ...row, handlers } : row);
        log(`  ${JSON.stringify(single[single.length - 1])}`);
      }
      process.stdout.write(`${JSON.stringify(single)}\n${table(single)}\n`);
      return;
    }
    figures.push(...bundleFigures(stack));
    figures.push(...coldImport(stack, QUICK ? 3 : 7));
    log(`cdk-ec2-scheduler status ${STATUS_INSTANCES}`);
    figures.push(await statusFigure(stack, STATUS_INSTANCES, QUICK ? 1 : 3));

    for (const limits of [false, true]) {
      for (const n of limits ? LIMIT_SIZES : NO_LIMIT_SIZES) {
        for (const action of ['start', 'stop'] as const) {
          log(`scheduler ${action} ${n} limits=${limits}`);
          rows.push(await runScheduler(stack, action, n, limits));
          log(`  ${JSON.stringify(rows[rows.length - 1])}`);
        }
        if (limits && n === 1000) {
          // Next to the 1,000 starts above: the same with one instance that lacks capacity.
          for (const variant of ICE_VARIANTS) {
            log(`scheduler start ${n} limits=${limits} ${variant}`);
            rows.push(await runScheduler(stack, 'start', n, limits, variant));
            log(`  ${JSON.stringify(rows[rows.length - 1])}`);
          }
        }
        if (!limits && n === NO_LIMIT_SIZES[NO_LIMIT_SIZES.length - 1]) {
          log(`scheduler (lean) start ${n} limits=false`);
          rows.push(await runScheduler(lean, 'start', n, false, 'lean'));
          log(`  ${JSON.stringify(rows[rows.length - 1])}`);
        }
        // Without limits a per-instance stop costs what a start does; with them, its own bucket.
        for (const action of limits ? (['start', 'stop'] as const) : (['start'] as const)) {
          if (limits && n > BASELINE_LIMIT_MAX) {
            const same = rows.filter(
              (r) => r.name === 'per-instance-baseline' && r.limits && r.action === action,
            );
            rows.push(extrapolate(same[same.length - 2], same[same.length - 1], n));
          } else {
            log(`baseline ${action} ${n} limits=${limits}`);
            rows.push(await runBaseline(action, n, limits));
          }
          log(`  ${JSON.stringify(rows[rows.length - 1])}`);
        }
      }
    }

    log('cdk synth');
    const runs = QUICK ? 1 : 3;
    figures.push(synthTime('example app (bin/app.ts, 1 schedule)', undefined, runs));
    figures.push(
      synthTime(
        '50 schedules (bench/fifty-schedules.ts)',
        'npx tsx bench/fifty-schedules.ts',
        runs,
      ),
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(leanDir, { recursive: true, force: true });
  }

  const results = [...rows, ...figures];
  const text = `${table(rows)}\n\n${figuresTable(figures)}\n`;
  process.stdout.write(`\n${text}`);
  if (QUICK) {
    fs.mkdirSync(path.join(__dirname, 'tmp'), { recursive: true });
    fs.writeFileSync(
      path.join(__dirname, 'tmp', 'results.quick.json'),
      JSON.stringify(results, null, 2),
    );
    log('quick run: wrote bench/tmp/results.quick.json (results.json and BENCHMARKS.md untouched)');
    return;
  }
  fs.writeFileSync(path.join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const doc = path.join(ROOT, 'BENCHMARKS.md');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const md = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : `${start}\n${end}\n`;
  const a = md.indexOf(start);
  const b = md.indexOf(end);
  if (a < 0 || b < a) throw new Error(`BENCHMARKS.md has no ${start} ... ${end} block`);
  const stamp =
    `Generated by \`npm run bench\` on ${env.date.slice(0, 10)}: ${env.nproc} cores (${env.cpu}), ` +
    `Node ${env.node}, commit ${env.commit}${env.uncommittedInLambdaOrLib ? ' with uncommitted changes in lambda/ or lib/' : ''}; ` +
    `EC2 time scale ${TIME_SCALE}, ${LATENCY_MS} ms per call.`;
  fs.writeFileSync(doc, `${md.slice(0, a + start.length)}\n${stamp}\n\n${text}${md.slice(b)}`);
  log('wrote bench/results.json and the tables in BENCHMARKS.md');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
