/**
 * Runs shipped Lambda handler files as Lambda would for asynchronous invocations.
 *
 * Each function gets its own execution environment: a child Node process
 * (`lambda-host.mjs`) forked with the function's environment, which loads the handler file once
 * and then runs invocations one at a time, each with a context whose remaining time counts down
 * from the function's timeout. (A child process, not jest's module registry: the AWS SDK loads
 * `node:http` with a dynamic `import()`, which jest's VM cannot run, and the bundle's clients
 * read their configuration when it loads.)
 *
 * After each invocation the runtime runs the async `lambda:Invoke` calls the handler made
 * (recorded by the loopback {@link LambdaEndpoint}) through the function they name, until none is
 * left, so a run that hands work to a follow-up run of itself completes as a chain.
 *
 * Lambda's retries of a failed asynchronous invocation are modelled as Lambda makes them: the
 * same event runs again, up to the function's `asyncRetries` times, after the invocations
 * already queued (Lambda waits a minute or more before a retry).
 *
 * Concurrency: {@link LambdaRuntime.invokeConcurrently} delivers one event several times at once,
 * as Lambda does when it delivers an asynchronous event twice: each delivery in an execution
 * environment of its own (a child process, started before any of them runs), with its own
 * loopback Lambda endpoint, so each runs its own follow-ups, against the same EC2 (and DynamoDB).
 *
 * Not modelled: the delay between an async Invoke and its run (follow-ups run as soon as the
 * current invocation ends).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { startLambdaEndpoint, type LambdaEndpoint } from './lambda-endpoint';

const HOST = path.join(__dirname, 'lambda-host.mjs');

/**
 * The Node.js binary the execution environments run on: `LAMBDA_NODE` when set (`.ci/run` sets
 * it to the Lambda runtimes' Node.js versions, installed from the npm registry), else this one.
 */
export function lambdaNode(): string {
  return process.env.LAMBDA_NODE || process.execPath;
}

export interface FunctionSpec {
  readonly arn: string;
  readonly functionName: string;
  /** The handler file (e.g. `<asset dir>/index.js`) and its export. */
  readonly file: string;
  readonly exportName: string;
  /** The whole environment of the execution environment (nothing else is inherited). */
  readonly env: Readonly<Record<string, string>>;
  /** Deadline of each invocation, in wall milliseconds. */
  readonly timeoutMs: number;
  readonly memorySize?: number;
  /** How many times a failed asynchronous invocation runs again. Default 0. */
  readonly asyncRetries?: number;
  /** Collect the handler's log lines (needs POWERTOOLS_DEV=true, so they go through console). */
  readonly captureLogs?: boolean;
  /** Node flags of the execution environment, e.g. `--expose-gc` (see InvocationMemory). */
  readonly execArgv?: readonly string[];
  /** Development aid: sample each invocation's memory this often (InvocationMemory.samples). */
  readonly sampleMemoryMs?: number;
}

/** One invocation's memory, measured in its execution environment (bytes). */
export interface InvocationMemory {
  /** Peak RSS during the invocation (the kernel's high-water mark, reset at its start). */
  readonly peakRss: number;
  /** `process.memoryUsage()` at its end: after a full GC when the host has `--expose-gc`. */
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** With `sampleMemoryMs`: [ms since the invocation's start, `process.memoryUsage()`]. */
  readonly samples?: ReadonlyArray<readonly [number, NodeJS.MemoryUsage]>;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export interface Invocation {
  readonly functionArn: string;
  readonly event: unknown;
  readonly requestId: string;
  /** Index of the invocation whose async Invoke queued this one. */
  readonly queuedBy?: number;
  /** Set when this is Lambda's retry of a failed invocation: 1 for the first retry, ... */
  readonly retry?: number;
  /** Wall time of the handler call, measured in the execution environment. */
  readonly wallMs: number;
  readonly result?: unknown;
  readonly error?: SerializedError;
  /** Log lines parsed as JSON (when captured). */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  readonly memory?: InvocationMemory;
}

export interface HostStats {
  /** RSS before the handler file was loaded. */
  readonly baselineRss: number;
  /** RSS just after it was loaded. */
  readonly loadedRss: number;
  readonly rss: number;
  /**
   * Peak RSS of the process since the handler was loaded: the highest of its invocations'. Not
   * `resourceUsage().maxRSS`, which counts the parent's RSS at fork (harness/peak-rss.mjs).
   */
  readonly maxRss: number;
  /** `VmHWM` (Linux: the process's own peak) or `maxRSS` (elsewhere: a rough fallback). */
  readonly peakSource: string;
}

type Reply = { type: string; id?: number } & Record<string, unknown>;

/** One execution environment (child process) running one function's handler. */
export class FunctionHost {
  /** Milliseconds the handler file took to load (require) in the child. */
  importMs = 0;
  /** The child's Node.js version (`process.version`, e.g. `v24.22.3`). */
  nodeVersion = '';
  private nextId = 0;
  private readonly waiting = new Map<number | string, (reply: Reply) => void>();
  private stderr = '';
  private exited: Error | undefined;

  private constructor(
    readonly spec: FunctionSpec,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-8000);
    });
    child.on('message', (reply: Reply) => {
      const key = reply.id ?? reply.type;
      const resolve = this.waiting.get(key);
      if (resolve) {
        this.waiting.delete(key);
        resolve(reply);
      }
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(
        `execution environment of ${spec.functionName} exited (${code ?? signal}): ${this.stderr}`,
      );
      for (const resolve of this.waiting.values()) {
        resolve({ type: 'exit', error: { name: 'Exit', message: this.exited.message } });
      }
      this.waiting.clear();
    });
  }

  /** Forks the execution environment and loads the handler file (a cold start). */
  static async start(spec: FunctionSpec): Promise<FunctionHost> {
    const child = fork(HOST, [], {
      execPath: lambdaNode(),
      env: { PATH: process.env.PATH ?? '', ...spec.env },
      execArgv: [...(spec.execArgv ?? [])],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const host = new FunctionHost(spec, child);
    const loaded = await host.request('loaded', {
      type: 'load',
      file: spec.file,
      exportName: spec.exportName,
      captureLogs: spec.captureLogs ?? false,
      sampleMemoryMs: spec.sampleMemoryMs ?? 0,
    });
    if (loaded.error) {
      await host.close();
      throw new Error(`loading ${spec.file}: ${(loaded.error as SerializedError).message}`);
    }
    host.importMs = loaded.importMs as number;
    host.nodeVersion = loaded.nodeVersion as string;
    return host;
  }

  /** Runs one invocation. `clockOffsetMs` shifts the environment's Date.now(). */
  async invoke(
    event: unknown,
    requestId: string,
    clockOffsetMs: number,
  ): Promise<Omit<Invocation, 'functionArn' | 'event' | 'queuedBy'>> {
    const id = this.nextId++;
    const reply = await this.request(id, {
      type: 'invoke',
      id,
      event,
      clockOffsetMs,
      context: {
        functionName: this.spec.functionName,
        invokedFunctionArn: this.spec.arn,
        awsRequestId: requestId,
        memoryLimitInMB: this.spec.memorySize ?? 128,
        timeoutMs: this.spec.timeoutMs,
      },
    });
    const logs = ((reply.logs as string[] | undefined) ?? []).map(parseLine);
    return {
      requestId,
      wallMs: (reply.wallMs as number | undefined) ?? 0,
      logs,
      ...(reply.memory ? { memory: reply.memory as InvocationMemory } : {}),
      ...('result' in reply ? { result: reply.result } : {}),
      ...(reply.error ? { error: reply.error as SerializedError } : {}),
    };
  }

  async stats(): Promise<HostStats> {
    const reply = await this.request('stats', { type: 'stats' });
    return {
      baselineRss: reply.baselineRss as number,
      loadedRss: reply.loadedRss as number,
      rss: reply.rss as number,
      maxRss: reply.maxRss as number,
      peakSource: reply.peakSource as string,
    };
  }

  async close(): Promise<void> {
    if (this.exited || this.child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ type: 'exit' });
    await gone;
  }

  private request(key: number | string, message: Record<string, unknown>): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<Reply>((resolve) => {
      this.waiting.set(key, resolve);
      this.child.send(message);
    });
  }
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { message: line };
  }
}

export class LambdaRuntime {
  private readonly specs = new Map<string, FunctionSpec>();
  private readonly hosts = new Map<string, Promise<FunctionHost>>();
  private clockOffsetMs = 0;

  /** @param endpoint where the handlers' async Invoke calls land */
  constructor(private readonly endpoint: LambdaEndpoint) {}

  register(spec: FunctionSpec): void {
    this.specs.set(spec.arn, spec);
    this.specs.set(spec.functionName, spec);
  }

  /** From now on the functions' clocks read as if the wall clock had been set to `at` now. */
  setClock(at: Date): void {
    this.clockOffsetMs = at.getTime() - Date.now();
  }

  /** The execution environment of a function, started (cold) on first use. */
  host(nameOrArn: string): Promise<FunctionHost> {
    const spec = this.lookup(nameOrArn);
    let host = this.hosts.get(spec.arn);
    if (!host) {
      host = FunctionHost.start(spec);
      this.hosts.set(spec.arn, host);
    }
    return host;
  }

  /**
   * Invokes the function with `event` (an async invocation), then every follow-up it queues and
   * every retry Lambda would make, in order. Returns all invocations; a failed invocation is
   * recorded, not thrown. `beforeEach` runs before every invocation after the first (e.g. to
   * change the instances between runs).
   */
  async invoke(
    functionArn: string,
    event: unknown,
    options: { beforeEach?: (done: readonly Invocation[]) => void | Promise<void> } = {},
  ): Promise<Invocation[]> {
    return this.chain(functionArn, event, this.endpoint, (arn) => this.host(arn), options);
  }

  /**
   * Delivers `event` `times` times at once, each delivery in an execution environment of its own
   * (started, cold, before any delivery runs) with its own Lambda endpoint: each runs its
   * follow-ups and Lambda's retries as {@link invoke} does. Returns each delivery's invocations.
   * `ready` runs once every environment is loaded, just before the deliveries run. The
   * environments are stopped when all are done.
   */
  async invokeConcurrently(
    functionArn: string,
    event: unknown,
    times = 2,
    ready?: () => void,
  ): Promise<Invocation[][]> {
    const functions = [...new Set([...this.specs.values()].map((s) => s.arn))];
    const deliveries = await Promise.all(
      Array.from({ length: times }, async () => {
        const endpoint = await startLambdaEndpoint({ functions });
        const hosts = new Map<string, Promise<FunctionHost>>();
        const hostOf = (arn: string) => {
          const spec = this.lookup(arn);
          let host = hosts.get(spec.arn);
          if (!host) {
            host = FunctionHost.start({
              ...spec,
              env: { ...spec.env, AWS_ENDPOINT_URL_LAMBDA: endpoint.url },
            });
            hosts.set(spec.arn, host);
          }
          return host;
        };
        await hostOf(functionArn);
        return { endpoint, hosts, hostOf };
      }),
    );
    ready?.();
    try {
      return await Promise.all(
        deliveries.map((d) => this.chain(functionArn, event, d.endpoint, d.hostOf)),
      );
    } finally {
      for (const d of deliveries) {
        const hosts = await Promise.allSettled([...d.hosts.values()]);
        await Promise.all(
          hosts.map((h) => (h.status === 'fulfilled' ? h.value.close() : undefined)),
        );
        await d.endpoint.close();
      }
    }
  }

  /** Runs `event`, then what it queues on `endpoint` and Lambda's retries, in `hostOf`'s environments. */
  private async chain(
    functionArn: string,
    event: unknown,
    endpoint: LambdaEndpoint,
    hostOf: (arn: string) => Promise<FunctionHost>,
    options: { beforeEach?: (done: readonly Invocation[]) => void | Promise<void> } = {},
  ): Promise<Invocation[]> {
    const stray = endpoint.take();
    if (stray.length > 0) {
      throw new Error(`${stray.length} queued invocation(s) left over from an earlier run`);
    }
    type Queued = { arn: string; event: unknown; queuedBy?: number; retry?: number };
    const queue: Queued[] = [{ arn: functionArn, event }];
    const done: Invocation[] = [];
    while (queue.length > 0) {
      const next = queue.shift() as Queued;
      const spec = this.lookup(next.arn);
      const host = await hostOf(spec.arn);
      if (done.length > 0) await options.beforeEach?.(done);
      const ran = await host.invoke(next.event, randomUUID(), this.clockOffsetMs);
      done.push({
        functionArn: spec.arn,
        event: next.event,
        ...(next.queuedBy !== undefined ? { queuedBy: next.queuedBy } : {}),
        ...(next.retry !== undefined ? { retry: next.retry } : {}),
        ...ran,
      });
      for (const queued of endpoint.take()) {
        queue.push({ arn: queued.functionName, event: queued.payload, queuedBy: done.length - 1 });
      }
      const retry = (next.retry ?? 0) + 1;
      if (ran.error && retry <= (spec.asyncRetries ?? 0)) {
        queue.push({ ...next, retry });
      }
    }
    return done;
  }

  /** Stops every execution environment. */
  async close(): Promise<void> {
    const hosts = await Promise.allSettled([...this.hosts.values()]);
    this.hosts.clear();
    await Promise.all(
      hosts.map((h) => (h.status === 'fulfilled' ? h.value.close() : Promise.resolve())),
    );
  }

  private lookup(nameOrArn: string): FunctionSpec {
    const spec = this.specs.get(nameOrArn);
    if (!spec) throw new Error(`no function ${nameOrArn} is registered with the runtime`);
    return spec;
  }
}
