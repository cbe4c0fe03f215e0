/**
 * `npm run bench -- --only=suggest [--quick]`: `cdk-ec2-scheduler suggest` over 2,000 running
 * instances (200 with --quick) without a schedule tag, 14 days of hourly data, next to the naive
 * script, side by side in one run. Every run is its own `node` process against the same loopback
 * fakes in this process: EC2, CloudWatch (GetMetricData 50 TPS and GetMetricStatistics 400 TPS as
 * token buckets, CloudWatch's documented quotas) and the Price List, 20 ms per call each.
 *
 * - suggest: the shipped bundle `assets/cli.js suggest --json --time-zone Europe/Berlin --html
 *   <file>`, its output checked instance by instance against the profile each was given, the
 *   page's size recorded;
 * - fetch only: the same listing and `readUtilization` (lib/suggest/utilization.ts), without analysis,
 *   prices or report (bench/suggest-fetch.ts);
 * - naive: one GetMetricStatistics per instance and metric with a plain CloudWatchClient, one
 *   call after another and 10 at a time (bench/naive-cloudwatch.mjs).
 *
 * Peak RSS and CPU time of each child come from bench/child-probe.mjs, preloaded with --import.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { InstanceSuggestion, SuggestReport } from '../lib/suggest/suggest-report';
import { startCloudWatchEndpoint, type CloudWatchEndpoint } from '../harness/cloudwatch-endpoint';
import { makeInstances, startEc2Endpoint, type Ec2Endpoint } from '../harness/ec2';
import { startPricingEndpoint, type PricingEndpoint } from '../harness/pricing-endpoint';
import {
  alwaysBusy,
  alwaysIdle,
  launchedAt,
  nightBatch,
  officeHours,
  withGaps,
  type HourlyUtilization,
  type UtilizationSource,
} from '../harness/utilization-profiles';
import { fakeAwsEnv } from '../test/support/cli';

const ROOT = path.resolve(__dirname, '..');
const LATENCY_MS = 20;
const DAYS = 14;
const TIME_ZONE = 'Europe/Berlin';
const HOUR = 3_600_000;
const MiB = 1024 * 1024;
/**
 * Development aids: BENCH_CPU_PROF=<dir> writes a CPU profile of each suggest run there;
 * BENCH_CLI=<file> runs another build of the command (e.g. one not minified, for the profile).
 */
const CPU_PROF = process.env.BENCH_CPU_PROF;
const CLI = process.env.BENCH_CLI ?? path.join(ROOT, 'assets', 'cli.js');

type Kind = 'office' | 'office-gaps' | 'night' | 'busy' | 'idle' | 'new';

/** Out of every 20 instances: 8 office hours (2 of them with gaps), 3 night, 4 busy, 3 idle, 1 new. */
const SLOTS: readonly Kind[] = [
  ...Array<Kind>(6).fill('office'),
  ...Array<Kind>(2).fill('office-gaps'),
  ...Array<Kind>(3).fill('night'),
  ...Array<Kind>(4).fill('busy'),
  ...Array<Kind>(3).fill('idle'),
  'new',
  'office',
];

/** On-demand USD per hour in us-east-1, Linux and Windows (public prices, late 2026). */
const TYPES: Readonly<Record<string, readonly [number, number]>> = {
  't3.large': [0.0832, 0.1108],
  'm5.large': [0.096, 0.188],
  'm5.xlarge': [0.192, 0.376],
  'c5.large': [0.085, 0.177],
  't3.micro': [0.0104, 0.0196],
};
const TYPE_NAMES = Object.keys(TYPES);

/** What each kind of profile must come out as. */
const EXPECTED: Record<Kind, Partial<InstanceSuggestion>> = {
  office: {
    verdict: 'idle windows',
    start: 'cron(0 7 ? * MON-FRI *)',
    stop: 'cron(0 19 ? * MON-FRI *)',
    runningHoursPerWeek: 60,
  },
  'office-gaps': {
    verdict: 'idle windows',
    start: 'cron(0 7 ? * MON-FRI *)',
    stop: 'cron(0 19 ? * MON-FRI *)',
    runningHoursPerWeek: 60,
  },
  night: {
    verdict: 'idle windows',
    start: 'cron(0 0 ? * * *)',
    stop: 'cron(0 5 ? * * *)',
    runningHoursPerWeek: 35,
  },
  busy: { verdict: 'always busy' },
  idle: { verdict: 'always idle' },
  new: { verdict: 'not enough data' },
};

interface Planned {
  readonly id: string;
  readonly index: number;
  readonly kind: Kind;
  readonly type: string;
  readonly windows: boolean;
}

export interface SuggestBenchRow {
  readonly run: string;
  readonly instances: number;
  /** Calls the fakes received, by operation (throttled and retried ones included). */
  readonly calls: Record<string, number>;
  /** Datapoints CloudWatch returned. */
  readonly datapoints: number;
  readonly throttled: number;
  /** Calls that failed after the SDK's retries. */
  readonly failedCalls: number;
  /** Spawn to exit of the child process. */
  readonly wallMs: number;
  /** All the runs' wall times, when repeated (wallMs is their median). */
  readonly allWallMs?: number[];
  /** Inside the child (fetch-only and naive): the listing, and the metric calls. */
  readonly listMs?: number;
  readonly metricsMs?: number;
  /** The child's user + system CPU time. */
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  /** CPU time this process (the three fakes) spent during the run. */
  readonly fakeCpuMs: number;
  /** What the child printed (suggest: the JSON report). */
  readonly stdoutBytes: number;
  /** suggest: the size of the page `--html` wrote. */
  readonly htmlBytes?: number;
}

interface Probe {
  readonly maxRssBytes: number;
  readonly userCpuMs: number;
  readonly systemCpuMs: number;
}

interface ChildRun {
  readonly stdout: string;
  readonly wallMs: number;
  readonly probe: Probe;
  readonly fakeCpuMs: number;
}

export interface World {
  readonly ec2: Ec2Endpoint;
  readonly cw: CloudWatchEndpoint;
  readonly pricing: PricingEndpoint;
  readonly env: Record<string, string>;
  readonly planned: readonly Planned[];
  readonly tmp: string;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function log(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

/** The fleet: profile kind by position in blocks of 20, type by block, every 7th Windows. */
function plan(ids: readonly string[]): Planned[] {
  return ids.map((id, index) => ({
    id,
    index,
    kind: SLOTS[index % SLOTS.length],
    type: TYPE_NAMES[Math.floor(index / SLOTS.length) % TYPE_NAMES.length],
    windows: index % 7 === 3,
  }));
}

function profileOf(p: Planned, now: number): UtilizationSource {
  switch (p.kind) {
    case 'office':
      return officeHours(TIME_ZONE, p.index);
    case 'office-gaps':
      return withGaps(officeHours(TIME_ZONE, p.index), { seed: p.index });
    case 'night':
      return nightBatch(TIME_ZONE, p.index);
    case 'busy':
      return alwaysBusy(p.index);
    case 'idle':
      return alwaysIdle(p.index);
    case 'new':
      return launchedAt(alwaysBusy(p.index), new Date(now - 2 * 86_400_000));
  }
}

/**
 * The fleet's utilization, each instance's hours computed once up front (the profiles' time-zone
 * arithmetic is the fake's work, which real CloudWatch does on its side within the latency).
 */
function precomputed(planned: readonly Planned[], now: number): UtilizationSource {
  const first = Math.floor(now / HOUR) * HOUR - (DAYS + 2) * 24 * HOUR;
  const count = (DAYS + 3) * 24;
  const table = new Map<string, (HourlyUtilization | undefined)[]>();
  for (const p of planned) {
    const source = profileOf(p, now);
    table.set(
      p.id,
      Array.from({ length: count }, (_, k) => source(p.id, new Date(first + k * HOUR))),
    );
  }
  return (id, hourStart) => {
    const k = (hourStart.getTime() - first) / HOUR;
    return k >= 0 && k < count ? table.get(id)?.[k] : undefined;
  };
}

/** The three fakes with a fleet of n running instances. */
export async function startWorld(n: number): Promise<World> {
  const ec2 = await startEc2Endpoint({ latencyMs: LATENCY_MS });
  const made = makeInstances(n, { tags: (i) => ({ Name: `app-${i}` }) });
  const planned = plan(made.map((i) => i.instanceId));
  ec2.addInstances(
    made.map((instance, i) => ({
      ...instance,
      instanceType: planned[i].type,
      ...(planned[i].windows ? { platformDetails: 'Windows' } : {}),
    })),
  );
  const now = Date.now();
  const cw = await startCloudWatchEndpoint({
    latencyMs: LATENCY_MS,
    limits: {},
    utilizationOf: precomputed(planned, now),
  });
  const pricing = await startPricingEndpoint({
    latencyMs: LATENCY_MS,
    prices: Object.entries(TYPES).flatMap(([instanceType, [linux, windows]]) => [
      { regionCode: 'us-east-1', instanceType, operatingSystem: 'Linux', usdPerHour: linux },
      { regionCode: 'us-east-1', instanceType, operatingSystem: 'Windows', usdPerHour: windows },
    ]),
  });
  const env = {
    ...fakeAwsEnv(ec2.url),
    AWS_ENDPOINT_URL_CLOUDWATCH: cw.url,
    AWS_ENDPOINT_URL_PRICING: pricing.url,
  };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-suggest-'));
  return { ec2, cw, pricing, env, planned, tmp };
}

function resetWorld(w: World): void {
  w.ec2.clearRequests();
  w.cw.reset(); // also refills the TPS buckets
  w.pricing.reset();
}

let probes = 0;

/** Runs `node <args>` with the probe preloaded; resolves once it exits 0. */
function runChild(w: World, args: string[], env: Record<string, string> = {}): Promise<ChildRun> {
  const probeFile = path.join(w.tmp, `probe-${++probes}.json`);
  return new Promise((resolve, reject) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(path.join(__dirname, 'child-probe.mjs')).href, ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...w.env, ...env, BENCH_PROBE_FILE: probeFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      if (code !== 0) {
        reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
        return;
      }
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        wallMs,
        probe: JSON.parse(fs.readFileSync(probeFile, 'utf8')) as Probe,
        fakeCpuMs: (cpu.user + cpu.system) / 1000,
      });
    });
  });
}

function callsOf(w: World): Record<string, number> {
  const calls: Record<string, number> = {};
  const add = (op: string) => (calls[op] = (calls[op] ?? 0) + 1);
  for (const r of w.ec2.requests) add(r.action);
  for (const c of w.cw.calls) add(c.operation);
  for (const c of w.pricing.calls) add(c.operation);
  return calls;
}

function rowOf(w: World, run: string, child: ChildRun, failedCalls: number): SuggestBenchRow {
  return {
    run,
    instances: w.planned.length,
    calls: callsOf(w),
    datapoints: w.cw.calls.reduce((n, c) => n + c.datapoints, 0),
    throttled: w.cw.throttledCount(),
    failedCalls,
    wallMs: round(child.wallMs, 0),
    cpuMs: round(child.probe.userCpuMs + child.probe.systemCpuMs, 0),
    peakRssMiB: round(child.probe.maxRssBytes / MiB),
    fakeCpuMs: round(child.fakeCpuMs, 0),
    stdoutBytes: Buffer.byteLength(child.stdout),
  };
}

/** Whether suggest prices the instance: a proposal's saving, or an always-idle one's if stopped. */
const priced = (p: Planned) => EXPECTED[p.kind].start !== undefined || p.kind === 'idle';

/**
 * Fails loudly unless every instance got what its profile calls for, every proposal and every
 * always-idle instance its on-demand price, and one GetProducts per type and system priced: a
 * fast wrong answer is not a result.
 */
function checkReport(w: World, report: SuggestReport): void {
  const byId = new Map(report.instances.map((i) => [i.instanceId, i]));
  const wrong: string[] = [];
  for (const p of w.planned) {
    const got = byId.get(p.id);
    if (!got) {
      wrong.push(`${p.id} (${p.kind}): missing`);
      continue;
    }
    const expected: Partial<InstanceSuggestion> = {
      ...EXPECTED[p.kind],
      ...(priced(p) ? { usdPerHour: TYPES[p.type][p.windows ? 1 : 0] } : {}),
    };
    for (const [key, value] of Object.entries(expected)) {
      const actual = got[key as keyof InstanceSuggestion];
      if (actual !== value) {
        wrong.push(`${p.id} (${p.kind}, ${p.type}): ${key} ${JSON.stringify(actual)} != ${value}`);
      }
    }
    if (got.start && !(typeof got.savingsPerMonthUsd === 'number' && got.savingsPerMonthUsd > 0)) {
      wrong.push(`${p.id} (${p.kind}): no savings`);
    }
    if (p.kind === 'idle' && !((got.savingsIfStoppedPerMonthUsd ?? 0) > 0)) {
      wrong.push(`${p.id} (idle): no saving if stopped`);
    }
  }
  if (report.instances.length !== w.planned.length) {
    wrong.push(`${report.instances.length} instances reported, ${w.planned.length} running`);
  }
  const pairs = new Set(w.planned.filter(priced).map((p) => `${p.type}|${p.windows}`));
  if (report.calls.GetProducts !== pairs.size) {
    wrong.push(`${report.calls.GetProducts} GetProducts for ${pairs.size} type and system pairs`);
  }
  if (wrong.length > 0) {
    throw new Error(
      `suggest's output is wrong for ${wrong.length} check(s):\n  ${wrong.slice(0, 20).join('\n  ')}`,
    );
  }
}

/** The shipped bundle, end to end, `runs` times; the row of the median run. */
export async function suggestRow(w: World, runs: number): Promise<SuggestBenchRow> {
  const rows: SuggestBenchRow[] = [];
  for (let k = 0; k < runs; k++) {
    resetWorld(w);
    const html = path.join(w.tmp, `suggest-${k}.html`);
    const child = await runChild(w, [
      ...(CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : []),
      CLI,
      'suggest',
      '--json',
      '--time-zone',
      TIME_ZONE,
      '--html',
      html,
    ]);
    const report = JSON.parse(child.stdout) as SuggestReport;
    checkReport(w, report);
    const failed = w.cw.calls.filter((c) => c.status !== 200).length - w.cw.throttledCount();
    const row = rowOf(w, 'suggest (shipped bundle, end to end)', child, failed);
    rows.push({ ...row, htmlBytes: fs.statSync(html).size });
    fs.rmSync(html);
    log(`  ${JSON.stringify(rows[rows.length - 1])}`);
  }
  const mid = rows.find((r) => r.wallMs === median(rows.map((x) => x.wallMs))) ?? rows[0];
  return runs > 1 ? { ...mid, allWallMs: rows.map((r) => r.wallMs) } : mid;
}

interface FetchOutput {
  readonly instances: number;
  readonly calls: number;
  readonly datapoints?: number;
  readonly failed?: number;
  readonly firstError?: string;
  readonly listedMs: number;
  readonly metricsMs: number;
}

/** readUtilization alone (the listing and the metric calls as suggest makes them). */
async function fetchRow(w: World): Promise<SuggestBenchRow> {
  resetWorld(w);
  const child = await runChild(w, ['--import', 'tsx', path.join(__dirname, 'suggest-fetch.ts')]);
  const out = JSON.parse(child.stdout) as FetchOutput;
  if (out.instances !== w.planned.length) throw new Error(`fetch listed ${out.instances}`);
  return {
    ...rowOf(w, 'fetch only: readUtilization (lib/suggest/utilization.ts)', child, 0),
    listMs: round(out.listedMs, 0),
    metricsMs: round(out.metricsMs, 0),
  };
}

/** The naive script, `concurrency` calls at a time. */
async function naiveRow(w: World, concurrency: number): Promise<SuggestBenchRow> {
  resetWorld(w);
  const child = await runChild(w, [path.join(__dirname, 'naive-cloudwatch.mjs')], {
    CONCURRENCY: String(concurrency),
    DAYS: String(DAYS),
  });
  const out = JSON.parse(child.stdout) as FetchOutput;
  const row = rowOf(
    w,
    concurrency === 1
      ? 'naive: GetMetricStatistics per instance and metric, one at a time'
      : `naive: GetMetricStatistics per instance and metric, ${concurrency} at a time`,
    child,
    out.failed ?? 0,
  );
  if (out.instances !== w.planned.length || out.calls !== 3 * w.planned.length) {
    throw new Error(`naive script: ${out.instances} instances, ${out.calls} calls`);
  }
  if (out.failed) log(`  naive script: ${out.failed} call(s) failed, e.g. ${out.firstError}`);
  if ((out.datapoints ?? 0) !== row.datapoints) {
    throw new Error(`naive script kept ${out.datapoints} of ${row.datapoints} datapoints`);
  }
  return { ...row, listMs: round(out.listedMs, 0), metricsMs: round(out.metricsMs, 0) };
}

/** The rows, side by side in one run: suggest, fetch only, naive 10 at a time, naive 1. */
export async function suggestRows(n: number, runs: number): Promise<SuggestBenchRow[]> {
  if (!fs.existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run bundle\` first`);
  }
  const t0 = performance.now();
  const w = await startWorld(n);
  log(
    `  fleet of ${n} and its ${DAYS + 3} days of hours ready in ${round(performance.now() - t0, 0)} ms`,
  );
  try {
    const rows: SuggestBenchRow[] = [];
    log(`suggest ${n} instances, ${runs} run(s)`);
    rows.push(await suggestRow(w, runs));
    log(`readUtilization ${n}`);
    rows.push(await fetchRow(w));
    log(`  ${JSON.stringify(rows[rows.length - 1])}`);
    for (const concurrency of [10, 1]) {
      log(`naive ${n}, ${concurrency} at a time`);
      rows.push(await naiveRow(w, concurrency));
      log(`  ${JSON.stringify(rows[rows.length - 1])}`);
    }
    return rows;
  } finally {
    await closeWorld(w);
  }
}

export async function closeWorld(w: World): Promise<void> {
  await Promise.all([w.ec2.close(), w.cw.close(), w.pricing.close()]);
  fs.rmSync(w.tmp, { recursive: true, force: true });
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** Markdown table of the rows, and the ratios to the suggest row. */
export function suggestTable(rows: readonly SuggestBenchRow[]): string {
  const lines = [
    '| Run | Instances | API calls | Datapoints | Throttled | Failed | Wall time | Listing / metric calls (in the child) | Child CPU | Peak RSS | Fakes CPU |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) =>
      [
        r.run,
        fmt(r.instances),
        Object.entries(r.calls)
          .map(([op, k]) => `${op} ${fmt(k)}`)
          .join(', '),
        fmt(r.datapoints),
        r.throttled,
        r.failedCalls,
        `${(r.wallMs / 1000).toFixed(2)} s${r.allWallMs ? ` (${r.allWallMs.map((t) => (t / 1000).toFixed(2)).join(', ')})` : ''}`,
        r.metricsMs === undefined
          ? ''
          : `${((r.listMs ?? 0) / 1000).toFixed(2)} / ${(r.metricsMs / 1000).toFixed(2)} s`,
        `${(r.cpuMs / 1000).toFixed(2)} s`,
        `${r.peakRssMiB} MiB`,
        `${(r.fakeCpuMs / 1000).toFixed(2)} s`,
      ].join(' | '),
    ),
  ].map((l, i) => (i < 2 ? l : `| ${l} |`));
  const suggest = rows[0];
  const page = suggest.htmlBytes
    ? [
        `- suggest's --html page: ${fmt(suggest.htmlBytes)} bytes, ${fmt(Math.round(suggest.htmlBytes / suggest.instances))} bytes per instance`,
      ]
    : [];
  const ratios = rows
    .slice(1)
    .map(
      (r) =>
        `- ${r.run}: ${(r.wallMs / suggest.wallMs).toFixed(1)}x suggest's wall time` +
        (r.metricsMs !== undefined && rows[1]?.metricsMs
          ? `, ${(r.metricsMs / rows[1].metricsMs).toFixed(1)}x readUtilization's metric calls`
          : ''),
    );
  return [...lines, '', ...page, ...ratios].join('\n');
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  void suggestRows(quick ? 200 : 2000, quick ? 1 : 3).then((rows) => {
    process.stdout.write(`${JSON.stringify(rows)}\n${suggestTable(rows)}\n`);
  });
}
