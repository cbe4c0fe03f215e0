/**
 * The scheduler end to end: a stack synthesized through the public API, the loopback EC2, Auto
 * Scaling (over the same EC2), Lambda and DynamoDB endpoints (the template's tables created in
 * the last), and Lambda runtimes that
 * run the shipped bundles of its functions from the cloud assembly (see `lambda-runtime.ts`),
 * fired with a schedule's own input.
 *
 * A runtime's functions reach the deduplication table only with `deduplication: true`; otherwise
 * they run as deployed with `deduplication: false` (the variable left out), as the run's own
 * tests expect (some model Lambda's retries of a failed run, which deduplication answers from
 * the table).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App, Stack } from 'aws-cdk-lib';
import {
  findSchedule,
  firingAfter,
  functionSpec,
  synthesize,
  type AssemblySchedule,
  type StackAssembly,
} from '../../harness/assembly';
import type { AutoScalingEndpoint } from '../../harness/autoscaling';
import type { EksEndpoint } from '../../harness/eks';
import { startGroupFakes, type GroupFakes } from '../../harness/group-fakes';
import { startDynamoDbEndpoint, type DynamoDbEndpoint } from '../../harness/dynamodb-endpoint';
import { startEc2Endpoint, type Ec2Endpoint, type RecordedRequest } from '../../harness/ec2';
import { startLambdaEndpoint, type LambdaEndpoint } from '../../harness/lambda-endpoint';
import { LambdaRuntime, type Invocation } from '../../harness/lambda-runtime';

export const TAG = 'Schedule';
export const OFFICE = { [TAG]: 'office-hours' };
/** Monday 30 November 2026, 07:00 in New York: the office-hours start fires an hour later. */
export const MONDAY_MORNING = new Date('2026-11-30T12:00:00Z');

/**
 * The world of a test file: started before its tests for the stack `build` adds (`ready` gets
 * it), reset before each test, its runtimes stopped after each, closed after all.
 */
export function useE2eWorld(build: (app: App) => Stack, ready: (world: E2eWorld) => void): void {
  let world: E2eWorld | undefined;
  beforeAll(async () => {
    world = await E2eWorld.start(build);
    ready(world);
  });
  beforeEach(() => world?.reset());
  afterEach(() => world?.closeRuntimes());
  afterAll(() => world?.close());
}

export const ids = (list: ReadonlyArray<{ instanceId: string }>) => list.map((i) => i.instanceId);

/** The per-instance log lines of the invocations. */
export const instanceLogs = (invocations: readonly Invocation[]) =>
  invocations.flatMap((i) => i.logs).filter((l) => l.message === 'instance');

/** The EMF documents the invocations wrote (one per schedule and run, one across schedules). */
export const emfLines = (invocations: readonly Invocation[]) =>
  invocations.flatMap((i) => i.logs).filter((l) => '_aws' in l);

export interface RuntimeOptions {
  /** Lambda's retries of a failed async invocation; default the template's. */
  readonly asyncRetries?: number;
  /** The functions reach the deduplication table on the loopback DynamoDB. Default false. */
  readonly deduplication?: boolean;
  /** The schedule whose start and stop functions the runtime runs. Default 'office-hours'. */
  readonly schedule?: string;
}

export class E2eWorld {
  private runtimes: LambdaRuntime[] = [];

  private constructor(
    readonly outdir: string,
    readonly stack: StackAssembly,
    readonly ec2: Ec2Endpoint,
    readonly lambda: LambdaEndpoint,
    readonly dynamodb: DynamoDbEndpoint,
    /** Auto Scaling, EKS and Tagging over `ec2`'s instances, on the functions' clock. */
    readonly groups: GroupFakes,
  ) {}

  /** Auto Scaling groups whose members are instances of `ec2`. */
  get autoScaling(): AutoScalingEndpoint {
    return this.groups.autoScaling;
  }

  /** EKS managed node groups, each backed by an Auto Scaling group of `autoScaling`. */
  get eks(): EksEndpoint {
    return this.groups.eks;
  }

  /** Synthesizes the stack `build` adds to a fresh app and starts the endpoints. */
  static async start(build: (app: App) => Stack): Promise<E2eWorld> {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ec2-scheduler-e2e-'));
    const stack = synthesize(outdir, build);
    const ec2 = await startEc2Endpoint();
    const lambda = await startLambdaEndpoint({ functions: stack.functions.map((f) => f.arn) });
    const dynamodb = await startDynamoDbEndpoint();
    for (const table of stack.tables) dynamodb.createTable(table);
    const groups = await startGroupFakes(ec2);
    return new E2eWorld(outdir, stack, ec2, lambda, dynamodb, groups);
  }

  /**
   * A Lambda runtime for the scheduler's start and stop functions, each in its own execution
   * environment, started on first use with the environment Lambda would give it.
   * @param limits EC2_API_LIMITS; undefined for the shipped configuration (EC2's documented limits)
   * @param timeoutMs the function timeout; default the template's
   */
  runtime(limits: string | undefined, timeoutMs?: number, options: RuntimeOptions = {}) {
    const rt = new LambdaRuntime(this.lambda);
    for (const action of ['start', 'stop'] as const) {
      const fn = findSchedule(this.stack, options.schedule ?? 'office-hours', action).target;
      rt.register(
        functionSpec(
          fn,
          {
            ec2: this.ec2.url,
            lambda: this.lambda.url,
            ...this.groups.urls,
            ...(options.deduplication ? { dynamodb: this.dynamodb.url } : {}),
          },
          {
            // Powertools logs (and, with metrics kept on, writes EMF) through the console in dev
            // mode, where the runtime collects them.
            env: {
              POWERTOOLS_DEV: 'true',
              POWERTOOLS_METRICS_DISABLED: 'false',
              ...(limits !== undefined ? { EC2_API_LIMITS: limits } : {}),
            },
            timeoutMs,
            captureLogs: true,
            ...(options.asyncRetries !== undefined ? { asyncRetries: options.asyncRetries } : {}),
          },
        ),
      );
    }
    this.runtimes.push(rt);
    return rt;
  }

  /**
   * Fires `schedule` at its first firing after `after`: invokes its target with its own input,
   * with the function's clock set to the firing time (plus Scheduler's delivery delay).
   */
  async fire(
    rt: LambdaRuntime,
    schedule: AssemblySchedule,
    after: Date,
    options: { beforeEach?: (done: readonly Invocation[]) => void | Promise<void> } = {},
  ): Promise<{ at: Date; invocations: Invocation[] }> {
    const { at, payload } = firingAfter(schedule, after);
    this.setClock(rt, new Date(at.getTime() + 1500));
    return { at, invocations: await rt.invoke(schedule.target.arn, payload, options) };
  }

  /**
   * Fires `schedule` at its first firing after `after` and delivers it `times` times at once, each
   * delivery in an execution environment of its own (see `LambdaRuntime.invokeConcurrently`).
   */
  async fireConcurrently(
    rt: LambdaRuntime,
    schedule: AssemblySchedule,
    after: Date,
    times = 2,
  ): Promise<{ at: Date; deliveries: Invocation[][] }> {
    const { at, payload } = firingAfter(schedule, after);
    this.setClock(rt, new Date(at.getTime() + 1500));
    return { at, deliveries: await rt.invokeConcurrently(schedule.target.arn, payload, times) };
  }

  /** Sets the functions' clock, and Auto Scaling's with it (activity times then agree). */
  setClock(rt: LambdaRuntime, at: Date): void {
    rt.setClock(at);
    this.groups.clockOffsetMs = at.getTime() - Date.now();
  }

  /** The EC2 requests of one action. */
  calls(action: string): RecordedRequest[] {
    return this.ec2.requests.filter((r) => r.action === action);
  }

  /** Before each test: no instances, records, faults, limits, latency or recorded requests. */
  reset(): void {
    this.ec2.reset();
    this.ec2.setLimits(false);
    this.ec2.latencyMs = 0;
    this.ec2.settleMs = 0;
    this.lambda.reset();
    this.dynamodb.reset();
    this.dynamodb.latencyMs = 0;
    this.groups.reset();
  }

  /** After each test: stops the execution environments. */
  async closeRuntimes(): Promise<void> {
    await Promise.all(this.runtimes.map((rt) => rt.close()));
    this.runtimes = [];
  }

  async close(): Promise<void> {
    await this.closeRuntimes();
    await this.ec2.close();
    await this.lambda.close();
    await this.dynamodb.close();
    await this.groups.close();
    fs.rmSync(this.outdir, { recursive: true, force: true });
  }
}
