/**
 * A loopback fake of the Amazon EC2 Query API for end-to-end tests and benchmarks: the EC2 model
 * (`model.ts`) served over HTTP in the wire format the real `@aws-sdk/client-ec2` uses
 * (`wire.ts`), so the project's bundled Lambda handlers can run unmodified against it through
 * `AWS_ENDPOINT_URL_EC2`.
 *
 * Supported: DescribeInstances, StartInstances, StopInstances, CreateTags, DeleteTags. Anything
 * else answers `InvalidAction`. Signatures are not checked. Only Node built-ins are used.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { closeServer, serveOnLoopback } from '../loopback';
import { isEc2Action, type Ec2Action } from './api';
import { scaledLimits } from './buckets';
import { Ec2Error } from './errors';
import { FaultRules, type FaultRule as Rule } from './faults';
import type { Ec2Instance } from './instances';
import { Ec2Model } from './model';
import { decodeRequest, errorXml, formParams, requestIds, responseXml, type Params } from './wire';

export interface RecordedRequest {
  /** The `Action` form field ('' when missing). */
  readonly action: string;
  /** All decoded form fields (and query-string fields), e.g. `{ 'InstanceId.1': 'i-…' }`. */
  readonly params: Params;
  /** `InstanceId.N` (describe/start/stop) or `ResourceId.N` (CreateTags, DeleteTags), in order. */
  readonly instanceIds: readonly string[];
  readonly status: number;
  readonly errorCode?: string;
  /** Arrival time, wall-clock ms since the endpoint started. */
  readonly at: number;
  /** Arrival time in EC2 seconds (see {@link Ec2Endpoint.ec2Seconds}). */
  readonly ec2At: number;
}

export interface Ec2Limits {
  /** Multiplier applied to every bucket refill rate and to {@link Ec2Endpoint.ec2Seconds}. Default 1. */
  readonly timeScale?: number;
  /**
   * Whether a call that is admitted and then fails (e.g. InsufficientInstanceCapacity) keeps the
   * tokens it took. EC2 does not document it either way; the default (true) assumes it does.
   */
  readonly chargeFailedCalls?: boolean;
}

export interface Ec2EndpointOptions {
  /** Artificial delay before each call is processed. Default 0. */
  readonly latencyMs?: number;
  /** EC2's documented token-bucket rate limits. Default false (no limits). */
  readonly limits?: false | Ec2Limits;
  /** How long pending and stopping last after a call; 0 (default): over by the next call. */
  readonly settleMs?: number;
  readonly instances?: readonly Ec2Instance[];
  /** Default '123456789012'. */
  readonly ownerId?: string;
}

/**
 * What an injected fault answers: an EC2 error (`code`, with EC2's HTTP status for it unless
 * `status` is given), a raw HTTP answer (e.g. an HTML 502 from a proxy, or XML cut short), or
 * `'hang'`: the request is read and never answered.
 */
export type FaultResponse =
  | { readonly code: string; readonly message?: string; readonly status?: number }
  | { readonly status: number; readonly body: string; readonly contentType?: string }
  | 'hang';

/** A fault applied to whole requests (matched on their form fields), before the rate limits. */
export type FaultRule = Rule<Params, FaultResponse> & { readonly action?: Ec2Action | string };

interface Outcome {
  readonly status: number;
  readonly body: string;
  /** Default text/xml. */
  readonly contentType?: string;
  readonly errorCode?: string;
}

export class Ec2Endpoint extends Ec2Model {
  /** Base URL, e.g. `http://127.0.0.1:49152`; pass as `endpoint` or `AWS_ENDPOINT_URL_EC2`. */
  readonly url: string;
  /** Artificial per-call delay (settable at any time). */
  latencyMs: number;
  private readonly ownerId: string;
  private readonly records: RecordedRequest[] = [];
  private readonly rules = new FaultRules<Params, FaultResponse>();
  /** Requests held open by a `'hang'` fault (destroyed by reset/close). */
  private readonly hung = new Set<ServerResponse>();
  private timeScale = 1;
  private readonly startedAt = performance.now();
  private clockStart = this.startedAt;
  /** Latency sleeps in progress (woken by close). */
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  /** @internal use {@link startEc2Endpoint}. */
  constructor(
    private readonly server: Server,
    options: Ec2EndpointOptions,
  ) {
    super(() => performance.timeOrigin + performance.now());
    const addr = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.settleMs = options.settleMs ?? 0;
    this.ownerId = options.ownerId ?? '123456789012';
    this.setLimits(options.limits ?? false);
    if (options.instances) this.addInstances(options.instances);
  }

  /**
   * Whole requests (of an action, matching `when`) answer with `respond` instead: an EC2 error, a
   * raw HTTP answer, or no answer at all. Applied before throttleNext and the rate limits, so a
   * faulted request takes no tokens. Rules apply in the order added.
   */
  injectFault(rule: FaultRule): void {
    this.rules.add(rule);
  }

  /** Remove injected faults (for one instance, or all faults including throttleNext and rules). */
  override clearFaults(id?: string): void {
    super.clearFaults(id);
    if (id === undefined) this.rules.clear();
  }

  /** EC2's documented buckets, time-scaled (false: no limits); buckets start full. */
  setLimits(limits: false | Ec2Limits): void {
    this.timeScale = limits === false ? 1 : (limits.timeScale ?? 1);
    this.chargeFailedCalls = limits === false || (limits.chargeFailedCalls ?? true);
    this.setRateLimits(limits === false ? false : scaledLimits(this.timeScale));
  }

  /** Wall time since start (or {@link resetClock}) × timeScale (1 without limits), in seconds. */
  ec2Seconds(): number {
    return this.ec2SecondsAt(performance.now());
  }

  resetClock(): void {
    this.clockStart = performance.now();
  }

  /** Every request received, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.records;
  }

  /** Number of calls (of `action`, if given), including failed ones. */
  countCalls(action?: Ec2Action | string): number {
    return action === undefined
      ? this.records.length
      : this.records.filter((r) => r.action === action).length;
  }

  /** Number of calls answered RequestLimitExceeded (of `action`, if given). */
  throttledCount(action?: Ec2Action | string): number {
    return this.records.filter(
      (r) =>
        r.errorCode === 'RequestLimitExceeded' && (action === undefined || r.action === action),
    ).length;
  }

  /** Forget requests only. */
  clearRequests(): void {
    this.records.length = 0;
  }

  /** Clear instances, recorded requests and faults; refill rate-limit buckets. */
  override reset(): void {
    super.reset();
    this.records.length = 0;
    this.releaseHung();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of [...this.sleepers]) wake();
    this.releaseHung();
    await closeServer(this.server);
  }

  /** @internal */
  async process(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const params = formParams(req.url, body);
    const action = params.Action ?? '';
    const record = (status: number, errorCode?: string): void => {
      this.records.push({
        action,
        params,
        instanceIds: requestIds(action, params),
        status,
        ...(errorCode !== undefined ? { errorCode } : {}),
        at: arrived - this.startedAt,
        ec2At: this.ec2SecondsAt(arrived),
      });
    };

    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    if (this.closed) {
      res.destroy();
      return;
    }
    const requestId = randomUUID();
    const fault = this.rules.take(action, params);
    if (fault === 'hang') {
      record(0, 'Hang');
      this.hung.add(res);
      res.once('close', () => this.hung.delete(res));
      return;
    }
    const outcome: Outcome =
      fault && 'body' in fault ? fault : this.answer(action, params, requestId, fault);
    record(outcome.status, outcome.errorCode);
    res.writeHead(outcome.status, {
      'Content-Type': outcome.contentType ?? 'text/xml;charset=UTF-8',
      'Content-Length': Buffer.byteLength(outcome.body),
      'x-amzn-RequestId': requestId,
      Server: 'AmazonEC2',
    });
    res.end(outcome.body);
  }

  /** The model's answer to a request, or the injected EC2 error, as XML. */
  private answer(
    action: string,
    params: Params,
    requestId: string,
    fault: { code: string; message?: string; status?: number } | undefined,
  ): Outcome {
    try {
      if (fault) {
        throw new Ec2Error(
          fault.code,
          fault.message ?? `${fault.code} (injected fault)`,
          fault.status,
        );
      }
      if (!isEc2Action(action)) {
        throw new Ec2Error(
          'InvalidAction',
          `The action ${action || '(none)'} is not valid for this web service.`,
        );
      }
      const response = this.call(decodeRequest(action, params));
      return { status: 200, body: responseXml(response, requestId, this.ownerId) };
    } catch (caught) {
      const e =
        caught instanceof Ec2Error
          ? caught
          : new Ec2Error('InternalError', `Fake EC2 endpoint bug: ${String(caught)}`);
      return { status: e.status, errorCode: e.code, body: errorXml(e.code, e.message, requestId) };
    }
  }

  private releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private ec2SecondsAt(now: number): number {
    return ((now - this.clockStart) / 1000) * this.timeScale;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

/** Start a fake EC2 endpoint on 127.0.0.1 (random port). Call `close()` when done. */
export async function startEc2Endpoint(options: Ec2EndpointOptions = {}): Promise<Ec2Endpoint> {
  // The server comes first (the endpoint needs its address); requests reach the endpoint once built.
  const built: { endpoint?: Ec2Endpoint } = {};
  const server = await serveOnLoopback((req, body, res) => {
    void built.endpoint?.process(req, body, res);
  });
  built.endpoint = new Ec2Endpoint(server, options);
  return built.endpoint;
}
