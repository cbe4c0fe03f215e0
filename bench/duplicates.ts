/**
 * `npm run bench -- --only=duplicates [--quick]`: duplicate deliveries (issue 19, point 3). One
 * 2,500-instance start of the example's schedule at EC2's documented limits (time-scaled as in
 * `run.ts`), delivered once and twice at the same time (each delivery in its own execution
 * environment, with its own follow-ups), with deduplication off and on, in the same bench run;
 * then what deduplication costs a run: DynamoDB calls and the milliseconds it adds to a small warm
 * start, with the loopback DynamoDB answering at once and after 10 ms. Writes the tables between
 * the `bench:duplicates` markers of BENCHMARKS.md (not with --quick).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Stack } from 'aws-cdk-lib';
import { Ec2Scheduler } from '../lib';
import {
  findSchedule,
  functionSpec,
  nextScheduledTime,
  scheduledPayload,
  synthesize,
  type AssemblySchedule,
  type StackAssembly,
} from '../harness/assembly';
import { startDynamoDbEndpoint, type DynamoDbEndpoint } from '../harness/dynamodb-endpoint';
import {
  ec2ApiLimits,
  makeInstances,
  RAISED_EC2_API_LIMITS,
  startEc2Endpoint,
  type Ec2Endpoint,
} from '../harness/ec2';
import { startGroupFakes } from '../harness/group-fakes';
import { startLambdaEndpoint } from '../harness/lambda-endpoint';
import { LambdaRuntime, type Invocation } from '../harness/lambda-runtime';

/** As `run.ts`: EC2 seconds per wall second under limits, and ms per EC2 call. */
const TIME_SCALE = 15;
const LATENCY_MS = 20;
const MONDAY_MORNING = new Date('2026-11-30T12:00:00Z');
const ROOT = path.resolve(__dirname, '..');

export interface DuplicatesRow {
  readonly deliveries: number;
  readonly deduplication: boolean;
  readonly instances: number;
  /** Deliveries that acted: each made a follow-up chain of its own. */
  readonly chains: number;
  readonly invocations: number;
  /** Invocations that returned as duplicates. */
  readonly duplicates: number;
  /** The InstancesStarted metric, summed over every invocation. */
  readonly instancesStarted: number;
  /** Instances that EC2 started (no longer stopped). */
  readonly startedByEc2: number;
  /** Instances named in more than one accepted StartInstances call. */
  readonly startedTwice: number;
  readonly throttled: number;
  readonly ec2Calls: number;
  /** EC2 seconds from the first EC2 request to the answer of the last accepted start. */
  readonly lastStartEc2S: number;
  readonly dynamodbCalls: number;
}

export interface CostRow {
  readonly dynamodbLatencyMs: number;
  readonly runs: number;
  readonly instances: number;
  readonly offMedianMs: number;
  readonly onMedianMs: number;
  readonly dynamodbCallsPerRun: number;
}

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** A runtime for the start function: limits, timeout and whether it reaches the table. */
async function world(schedule: AssemblySchedule, options: { limits: string; timeoutMs?: number }) {
  const ec2 = await startEc2Endpoint({ latencyMs: LATENCY_MS });
  const lambda = await startLambdaEndpoint({ functions: [schedule.target.arn] });
  const dynamodb = await startDynamoDbEndpoint();
  const groups = await startGroupFakes(ec2);
  const runtime = (deduplication: boolean) => {
    const rt = new LambdaRuntime(lambda);
    rt.register(
      functionSpec(
        schedule.target,
        {
          ec2: ec2.url,
          lambda: lambda.url,
          ...groups.urls,
          ...(deduplication ? { dynamodb: dynamodb.url } : {}),
        },
        {
          env: {
            EC2_API_LIMITS: options.limits,
            POWERTOOLS_DEV: 'true',
            POWERTOOLS_METRICS_DISABLED: 'false',
          },
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          captureLogs: true,
        },
      ),
    );
    return rt;
  };
  const close = () => Promise.all([ec2.close(), lambda.close(), dynamodb.close(), groups.close()]);
  return { ec2, lambda, dynamodb, runtime, close };
}

/** An invocation that did nothing but say it is a duplicate delivery. */
const isDuplicate = (i: Invocation) =>
  i.logs.some((l) => String(l.message).startsWith('duplicate delivery'));

function sumMetric(invocations: readonly Invocation[], metric: string): number {
  return invocations
    .flatMap((i) => i.logs)
    .filter((l) => '_aws' in l && 'Schedule' in l)
    .reduce((n, l) => n + Number(l[metric] ?? 0), 0);
}

/** One scenario: `deliveries` deliveries of the 2,500-instance start at the scaled limits. */
async function scenario(
  assembly: StackAssembly,
  n: number,
  deliveries: number,
  deduplication: boolean,
): Promise<DuplicatesRow> {
  const schedule = findSchedule(assembly, 'office-hours', 'start');
  const w = await world(schedule, {
    limits: ec2ApiLimits(TIME_SCALE),
    timeoutMs: (schedule.target.timeoutSeconds * 1000) / TIME_SCALE,
  });
  try {
    for (const table of assembly.tables) w.dynamodb.createTable(table);
    w.ec2.addInstances(makeInstances(n, { tags: { Schedule: 'office-hours' }, state: 'stopped' }));
    const rt = w.runtime(deduplication);
    const at = nextScheduledTime(schedule, MONDAY_MORNING);
    const payload = scheduledPayload(schedule, at);
    rt.setClock(new Date(at.getTime() + 1000));
    const startClock = () => {
      w.ec2.setLimits({ timeScale: TIME_SCALE });
      w.ec2.resetClock();
    };
    let chains: Invocation[][];
    try {
      if (deliveries === 1) {
        await rt.host(schedule.target.arn); // the cold start is not measured
        startClock();
        chains = [await rt.invoke(schedule.target.arn, payload)];
      } else {
        chains = await rt.invokeConcurrently(schedule.target.arn, payload, deliveries, startClock);
      }
    } finally {
      await rt.close();
    }
    return rowOf(w.ec2, w.dynamodb, { n, deliveries, deduplication, chains });
  } finally {
    await w.close();
  }
}

function rowOf(
  ec2: Ec2Endpoint,
  dynamodb: DynamoDbEndpoint,
  r: { n: number; deliveries: number; deduplication: boolean; chains: Invocation[][] },
): DuplicatesRow {
  const all = r.chains.flat();
  const accepted = ec2.requests.filter((q) => q.action === 'StartInstances' && q.status === 200);
  const times = new Map<string, number>();
  for (const id of accepted.flatMap((q) => q.instanceIds)) times.set(id, (times.get(id) ?? 0) + 1);
  const first = ec2.requests[0]?.ec2At ?? 0;
  const last = Math.max(first, ...accepted.map((q) => q.ec2At));
  return {
    deliveries: r.deliveries,
    deduplication: r.deduplication,
    instances: r.n,
    chains: r.chains.filter((c) => !isDuplicate(c[0])).length,
    invocations: all.length,
    duplicates: all.filter(isDuplicate).length,
    instancesStarted: sumMetric(all, 'InstancesStarted'),
    startedByEc2: ec2.instances().filter((i) => i.state !== 'stopped').length,
    startedTwice: [...times.values()].filter((k) => k > 1).length,
    throttled: ec2.throttledCount(),
    ec2Calls: ec2.countCalls(),
    lastStartEc2S: round(last - first + (LATENCY_MS / 1000) * TIME_SCALE),
    dynamodbCalls: dynamodb.countCalls(),
  };
}

/**
 * What deduplication adds to a run: a small warm start (no EC2 limits) `runs` times with it and
 * without it, interleaved, each at a schedule firing of its own (a new key), the invocation's wall
 * time as measured in its execution environment.
 */
async function cost(
  assembly: StackAssembly,
  dynamodbLatencyMs: number,
  runs: number,
  instances = 10,
): Promise<CostRow> {
  const schedule = findSchedule(assembly, 'office-hours', 'start');
  const w = await world(schedule, { limits: RAISED_EC2_API_LIMITS });
  try {
    for (const table of assembly.tables) w.dynamodb.createTable(table);
    w.dynamodb.latencyMs = dynamodbLatencyMs;
    w.ec2.addInstances(
      makeInstances(instances, { tags: { Schedule: 'office-hours' }, state: 'stopped' }),
    );
    const rts = { on: w.runtime(true), off: w.runtime(false) };
    const wall = { on: [] as number[], off: [] as number[] };
    let at = MONDAY_MORNING;
    let dynamodbCalls = 0;
    try {
      // One warm-up run each (cold start, first calls), then `runs` measured ones.
      for (let k = 0; k <= runs; k++) {
        for (const mode of ['off', 'on'] as const) {
          at = nextScheduledTime(schedule, at);
          for (const i of w.ec2.instances())
            w.ec2.updateInstance(i.instanceId, { state: 'stopped' });
          rts[mode].setClock(new Date(at.getTime() + 1000));
          const before = w.dynamodb.countCalls();
          const [run, ...more] = await rts[mode].invoke(
            schedule.target.arn,
            scheduledPayload(schedule, at),
          );
          if (
            run.error ||
            more.length > 0 ||
            (run.result as { started?: number }).started !== instances
          ) {
            throw new Error(
              `cost run ${mode} ${k}: ${run.error?.message ?? JSON.stringify(run.result)}`,
            );
          }
          if (k === 0) continue;
          wall[mode].push(run.wallMs);
          if (mode === 'on') dynamodbCalls += w.dynamodb.countCalls() - before;
        }
      }
    } finally {
      await Promise.all([rts.on.close(), rts.off.close()]);
    }
    return {
      dynamodbLatencyMs,
      runs,
      instances,
      offMedianMs: round(median(wall.off)),
      onMedianMs: round(median(wall.on)),
      dynamodbCallsPerRun: dynamodbCalls / runs,
    };
  } finally {
    await w.close();
  }
}

export function duplicatesTable(rows: readonly DuplicatesRow[]): string {
  const lines = [
    '| Deliveries | Deduplication | Follow-up chains | Invocations | Duplicates | InstancesStarted (sum) | Started by EC2 | Started twice | Throttled calls | EC2 calls | EC2 s to last start | DynamoDB calls |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) =>
      [
        r.deliveries === 1 ? '1 (alone)' : `${r.deliveries} at once`,
        r.deduplication ? 'on' : 'off',
        r.chains,
        r.invocations,
        r.duplicates,
        r.instancesStarted.toLocaleString('en-US'),
        r.startedByEc2.toLocaleString('en-US'),
        r.startedTwice.toLocaleString('en-US'),
        r.throttled,
        r.ec2Calls,
        r.lastStartEc2S.toFixed(1),
        r.dynamodbCalls,
      ].join(' | '),
    ),
  ];
  return lines.map((l) => (l.startsWith('|') ? l : `| ${l} |`)).join('\n');
}

export function costTable(rows: readonly CostRow[]): string {
  return [
    '| DynamoDB latency | Runs (each way) | Instances | Median run, off | Median run, on | Added | DynamoDB calls per run |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.dynamodbLatencyMs} ms | ${r.runs} | ${r.instances} | ${r.offMedianMs.toFixed(1)} ms | ${r.onMedianMs.toFixed(1)} ms | ${(r.onMedianMs - r.offMedianMs).toFixed(1)} ms | ${r.dynamodbCallsPerRun} |`,
    ),
  ].join('\n');
}

/** The ratios the issue asks for, as sentences. */
export function ratios(rows: readonly DuplicatesRow[]): string {
  const find = (d: number, on: boolean) =>
    rows.find((r) => r.deliveries === d && r.deduplication === on);
  const alone = find(1, true) ?? find(1, false);
  const off = find(2, false);
  const on = find(2, true);
  if (!alone || !off || !on) return '';
  const pct = (a: number, b: number) => (b === 0 ? '-' : `${((a / b) * 100).toFixed(0)} %`);
  return [
    `- Two deliveries, deduplication off: ${off.chains} chains; InstancesStarted ${off.instancesStarted.toLocaleString('en-US')} for ${off.startedByEc2.toLocaleString('en-US')} instances started (${pct(off.instancesStarted, off.startedByEc2)}); ${off.throttled} throttled calls (${alone.throttled} alone).`,
    `- Two deliveries, deduplication on: ${on.chains} chain; InstancesStarted ${on.instancesStarted.toLocaleString('en-US')} for ${on.startedByEc2.toLocaleString('en-US')} started (${pct(on.instancesStarted, on.startedByEc2)}); ${on.throttled} throttled calls (${alone.throttled} alone); last start at ${(on.lastStartEc2S / alone.lastStartEc2S).toFixed(2)}x the time alone.`,
  ].join('\n');
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
  } catch {
    return 'unknown';
  }
}

/** Runs the scenarios and the cost runs; writes BENCHMARKS.md unless `quick`. */
export async function duplicatesBench(quick: boolean): Promise<string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-duplicates-'));
  const n = quick ? 1200 : 2500;
  try {
    // The example's schedule, deduplication on by default; the off rows leave the variable out.
    const assembly = synthesize(outdir, (app) => {
      const s = new Stack(app, 'BenchDuplicates');
      new Ec2Scheduler(s, 'Scheduler', { timeZone: 'America/New_York' }).addSchedule(
        'office-hours',
        {
          start: 'cron(0 8 ? * MON-FRI *)',
          stop: 'cron(0 17 ? * MON-FRI *)',
        },
      );
      return s;
    });
    const rows: DuplicatesRow[] = [];
    for (const [deliveries, deduplication] of [
      [1, false],
      [1, true],
      [2, false],
      [2, true],
    ] as const) {
      log(
        `duplicates: ${deliveries} delivery(ies) of a ${n}-instance start, deduplication ${deduplication ? 'on' : 'off'}`,
      );
      rows.push(await scenario(assembly, n, deliveries, deduplication));
      log(`  ${JSON.stringify(rows[rows.length - 1])}`);
    }
    const costs: CostRow[] = [];
    for (const latency of [0, 10]) {
      log(`cost: DynamoDB at ${latency} ms`);
      costs.push(await cost(assembly, latency, quick ? 5 : 25));
      log(`  ${JSON.stringify(costs[costs.length - 1])}`);
    }
    const stamp = `Generated by \`npm run bench -- --only=duplicates\` on ${new Date().toISOString().slice(0, 10)}: ${os.availableParallelism()} cores, Node ${process.version}, commit ${gitCommit()}; EC2 time scale ${TIME_SCALE}, ${LATENCY_MS} ms per EC2 call.`;
    const text = `${stamp}\n\n${duplicatesTable(rows)}\n\n${ratios(rows)}\n\n${costTable(costs)}\n`;
    if (!quick) writeSection(text);
    return text;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function writeSection(text: string): void {
  const doc = path.join(ROOT, 'BENCHMARKS.md');
  const start = '<!-- bench:duplicates:start -->';
  const end = '<!-- bench:duplicates:end -->';
  const md = fs.readFileSync(doc, 'utf8');
  const a = md.indexOf(start);
  const b = md.indexOf(end);
  if (a < 0 || b < a) throw new Error(`BENCHMARKS.md has no ${start} ... ${end} block`);
  fs.writeFileSync(doc, `${md.slice(0, a + start.length)}\n${text}${md.slice(b)}`);
  log('wrote the duplicates tables in BENCHMARKS.md');
}
