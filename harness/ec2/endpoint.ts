/**
 * A loopback fake of the Amazon EC2 Query API (version 2016-11-15) for end-to-end tests and
 * benchmarks. It speaks the wire protocol the real `@aws-sdk/client-ec2` uses (form-encoded POST,
 * XML responses in the `http://ec2.amazonaws.com/doc/2016-11-15/` namespace, `<Response><Errors>`
 * error bodies), so the project's bundled Lambda handlers can run unmodified against it through
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

export const EC2_API_VERSION = '2016-11-15';
export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type InstanceStateName =
  'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's numeric state codes (the low byte of `instanceState.code`). */
export const INSTANCE_STATE_CODES: Readonly<Record<InstanceStateName, number>> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface StateReason {
  readonly code: string;
  readonly message: string;
}

/** What EC2 reports when a start fails because a KMS grant for an encrypted EBS volume is missing. */
export const KMS_BOUNCE: StateReason = {
  code: 'Client.InternalError',
  message: 'Client.InternalError: Client error on launch',
};

export interface Ec2Instance {
  readonly instanceId: string;
  readonly state: InstanceStateName;
  readonly tags: Readonly<Record<string, string>>;
  /** Absent for on-demand instances, as in EC2. */
  readonly lifecycle?: 'spot' | 'scheduled';
  /** Default `ebs`. */
  readonly rootDeviceType?: 'ebs' | 'instance-store';
  /** Default false. */
  readonly hibernationConfigured?: boolean;
  readonly stateReason?: StateReason;
  /** Default `t3.micro`. */
  readonly instanceType?: string;
  /** Default `us-east-1a`. */
  readonly availabilityZone?: string;
  /** When set, every start goes pending -> stopped with this state reason (e.g. {@link KMS_BOUNCE}). */
  readonly bounce?: StateReason;
}

export type Ec2Action =
  'DescribeInstances' | 'StartInstances' | 'StopInstances' | 'CreateTags' | 'DeleteTags';
const SUPPORTED_ACTIONS: readonly Ec2Action[] = [
  'DescribeInstances',
  'StartInstances',
  'StopInstances',
  'CreateTags',
  'DeleteTags',
];

export interface RecordedRequest {
  /** The `Action` form field ('' when missing). */
  readonly action: string;
  /** All decoded form fields (and query-string fields), e.g. `{ 'InstanceId.1': 'i-…' }`. */
  readonly params: Readonly<Record<string, string>>;
  /**
   * `InstanceId.N` (describe/start/stop) or `ResourceId.N` (CreateTags, DeleteTags), in request
   * order.
   */
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
  /** EC2's token-bucket rate limits. Default false (no limits). */
  readonly limits?: false | Ec2Limits;
  /** Delay before pending/stopping settle; 0 (default) settles right after the response is sent. */
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

/** A fault applied to whole requests, before the rate limits. */
export interface FaultRule {
  /** Only requests of this action. Default: any. */
  readonly action?: Ec2Action | string;
  /** Only requests whose form fields satisfy this. */
  readonly when?: (params: Readonly<Record<string, string>>) => boolean;
  /** Let this many matching requests through first. Default 0. */
  readonly skip?: number;
  /** How many matching requests get the fault. Default: every one, until cleared. */
  readonly times?: number;
  readonly respond: FaultResponse;
}

export interface FailInstanceOptions {
  /** Which calls the fault applies to. Default StartInstances and StopInstances. */
  readonly actions?: readonly Ec2Action[];
  /** Fail only this many calls, then clear. Default: until {@link Ec2Endpoint.clearFaults}. */
  readonly times?: number;
  /** Only StopInstances calls with `Hibernate=true` (e.g. EC2 refusing to hibernate). Default false. */
  readonly hibernateOnly?: boolean;
}

/** Bucket sizes from EC2's documented defaults: [capacity, refill per second]. */
const REQUEST_BUCKETS: Readonly<Record<Ec2Action, readonly [number, number]>> = {
  StartInstances: [5, 2],
  StopInstances: [50, 5],
  DescribeInstances: [100, 20],
  CreateTags: [100, 10],
  // Not listed by EC2; taken to be CreateTags' bucket.
  DeleteTags: [100, 10],
};
const RESOURCE_BUCKETS: Readonly<Partial<Record<Ec2Action, readonly [number, number]>>> = {
  StartInstances: [1000, 2],
  StopInstances: [1000, 20],
};

/** HTTP status EC2 uses for an error code: 503 for throttling/unavailable, 500 for server errors. */
export function httpStatusFor(code: string): number {
  if (code === 'RequestLimitExceeded' || code === 'Unavailable') return 503;
  if (code === 'InternalError' || code.startsWith('Insufficient')) return 500;
  return 400;
}

/** `i-` followed by 17 hex digits, e.g. instanceIdFor(1) === 'i-00000000000000001'. */
export function instanceIdFor(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

export interface MakeInstancesOptions {
  /** Tags for every instance, or a function of the zero-based position in this batch. */
  readonly tags?: Readonly<Record<string, string>> | ((i: number) => Record<string, string>);
  /** Default 'running'. */
  readonly state?: InstanceStateName;
  /** Numeric id of the first instance (default 1); use distinct ranges for several batches. */
  readonly firstIndex?: number;
  readonly lifecycle?: 'spot' | 'scheduled';
  readonly rootDeviceType?: 'ebs' | 'instance-store';
  readonly hibernationConfigured?: boolean;
  readonly instanceType?: string;
  readonly availabilityZone?: string;
  readonly bounce?: StateReason;
}

export function makeInstances(n: number, options: MakeInstancesOptions = {}): Ec2Instance[] {
  const first = options.firstIndex ?? 1;
  const out: Ec2Instance[] = [];
  for (let i = 0; i < n; i++) {
    const tags = typeof options.tags === 'function' ? options.tags(i) : { ...options.tags };
    out.push({
      instanceId: instanceIdFor(first + i),
      state: options.state ?? 'running',
      tags,
      ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
      ...(options.rootDeviceType ? { rootDeviceType: options.rootDeviceType } : {}),
      ...(options.hibernationConfigured !== undefined
        ? { hibernationConfigured: options.hibernationConfigured }
        : {}),
      ...(options.instanceType ? { instanceType: options.instanceType } : {}),
      ...(options.availabilityZone ? { availabilityZone: options.availabilityZone } : {}),
      ...(options.bounce ? { bounce: options.bounce } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Internals

interface MutableInstance {
  instanceId: string;
  state: InstanceStateName;
  tags: Record<string, string>;
  lifecycle?: 'spot' | 'scheduled';
  rootDeviceType: 'ebs' | 'instance-store';
  hibernationConfigured: boolean;
  stateReason?: StateReason;
  instanceType: string;
  availabilityZone: string;
  bounce?: StateReason;
  /** stateTransitionReason (`reason` element). */
  reason: string;
  /** Bumped on every state change so a stale settle timer does nothing. */
  seq: number;
}

interface Fault {
  code: string;
  message?: string;
  actions: readonly Ec2Action[];
  remaining: number;
  hibernateOnly: boolean;
}

interface ActiveFault {
  readonly rule: FaultRule;
  skip: number;
  remaining: number;
}

interface ThrottleRule {
  remaining: number;
  action?: string;
}

class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Outcome {
  status: number;
  body: string;
  /** Default text/xml. */
  contentType?: string;
  errorCode?: string;
  /** Runs once the response has been written (used to settle transitions). */
  after?: () => void;
}

class TokenBucket {
  tokens: number;
  private last: number;
  constructor(
    readonly capacity: number,
    private readonly refillPerSec: number,
    private readonly timeScale: number,
  ) {
    this.tokens = capacity;
    this.last = performance.now();
  }
  refill(now: number): void {
    const elapsedSec = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(
      this.capacity,
      this.tokens + elapsedSec * this.refillPerSec * this.timeScale,
    );
    this.last = now;
  }
}

const ID_RE = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** EC2's limits on the filters of one call (`FilterLimitExceeded`). */
const MAX_FILTER_VALUES = 200;
const MAX_FILTER_VALUE_LENGTH = 255;
const RESOURCE_ID_RE = /^[a-z]+(?:-[a-z]+)*-[0-9a-f]+$/;

/** Escape element text (no attributes are ever built from data). */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${esc(String(value))}</${name}>`;
}

function stateXml(name: string, state: InstanceStateName): string {
  return `<${name}>${el('code', INSTANCE_STATE_CODES[state])}${el('name', state)}</${name}>`;
}

/** Values of `Prefix.1`, `Prefix.2`, … in numeric order of N. */
function indexed(params: Record<string, string>, prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  const found: Array<[number, string]> = [];
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (m) found.push([Number(m[1]), v]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function indexNumbers(params: Record<string, string>, re: RegExp): number[] {
  const ns = new Set<number>();
  for (const k of Object.keys(params)) {
    const m = re.exec(k);
    if (m) ns.add(Number(m[1]));
  }
  return [...ns].sort((a, b) => a - b);
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** EC2 filter values accept `*` and `?` wildcards (backslash escapes them). */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) {
      re += glob[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

type InstancePredicate = (i: MutableInstance) => boolean;

function filterPredicate(name: string, values: readonly string[]): InstancePredicate {
  const res = values.map(globToRegExp);
  const any = (v: string | undefined): boolean => v !== undefined && res.some((r) => r.test(v));
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (i) => any(i.tags[key]);
  }
  switch (name) {
    case 'tag-key':
      return (i) => Object.keys(i.tags).some((k) => any(k));
    case 'tag-value':
      return (i) => Object.values(i.tags).some((v) => any(v));
    case 'instance-state-name':
      return (i) => any(i.state);
    case 'instance-state-code':
      return (i) => any(String(INSTANCE_STATE_CODES[i.state]));
    case 'instance-id':
      return (i) => any(i.instanceId);
    case 'instance-type':
      return (i) => any(i.instanceType);
    case 'availability-zone':
      return (i) => any(i.availabilityZone);
    case 'instance-lifecycle':
      return (i) => any(i.lifecycle);
    case 'root-device-type':
      return (i) => any(i.rootDeviceType);
    default:
      throw new Ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
  }
}

function notFound(ids: readonly string[]): Ec2Error {
  return ids.length === 1
    ? new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${ids[0]}' does not exist`)
    : new Ec2Error(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${ids.join(', ')}' do not exist`,
      );
}

function malformed(id: string): Ec2Error {
  return new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
}

function gmtStamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}

function encodeToken(afterId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterId }), 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'after' in parsed &&
      typeof parsed.after === 'string'
    ) {
      return parsed.after;
    }
  } catch {
    // fall through
  }
  throw new Ec2Error(
    'InvalidPaginationToken',
    'The specified pagination token is not valid or is expired.',
  );
}

// ---------------------------------------------------------------------------------------------

export class Ec2Endpoint {
  /** Base URL, e.g. `http://127.0.0.1:49152`; pass as `endpoint` or `AWS_ENDPOINT_URL_EC2`. */
  readonly url: string;
  /** Artificial per-call delay (settable at any time). */
  latencyMs: number;
  /** Transition settle delay (settable at any time; applies to later calls). */
  settleMs: number;
  private readonly ownerId: string;
  private readonly records: RecordedRequest[] = [];
  private readonly store = new Map<string, MutableInstance>();
  private sortedIds: string[] | undefined;
  private faults = new Map<string, Fault>();
  private throttles: ThrottleRule[] = [];
  private faultRules: ActiveFault[] = [];
  /** Requests held open by a `'hang'` fault (destroyed by reset/close). */
  private readonly hung = new Set<ServerResponse>();
  private limits: false | Required<Ec2Limits> = false;
  private requestBuckets = new Map<string, TokenBucket>();
  private resourceBuckets = new Map<string, TokenBucket>();
  private readonly startedAt = performance.now();
  private clockStart = this.startedAt;
  /** Pending settle timers (cancelled by reset/close). */
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Latency sleeps in progress (woken by close). */
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  /** @internal use {@link startEc2Endpoint}. */
  constructor(
    private readonly server: Server,
    options: Ec2EndpointOptions,
  ) {
    const addr = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${addr.port}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.settleMs = options.settleMs ?? 0;
    this.ownerId = options.ownerId ?? '123456789012';
    this.setLimits(options.limits ?? false);
    if (options.instances) this.addInstances(options.instances);
  }

  // ---- state -----------------------------------------------------------------------------

  addInstances(list: readonly Ec2Instance[]): void {
    for (const i of list) {
      if (this.store.has(i.instanceId)) throw new Error(`duplicate instance ${i.instanceId}`);
      this.store.set(i.instanceId, {
        instanceId: i.instanceId,
        state: i.state,
        tags: { ...i.tags },
        ...(i.lifecycle ? { lifecycle: i.lifecycle } : {}),
        rootDeviceType: i.rootDeviceType ?? 'ebs',
        hibernationConfigured: i.hibernationConfigured ?? false,
        ...(i.stateReason ? { stateReason: { ...i.stateReason } } : {}),
        instanceType: i.instanceType ?? 't3.micro',
        availabilityZone: i.availabilityZone ?? 'us-east-1a',
        ...(i.bounce ? { bounce: { ...i.bounce } } : {}),
        reason: '',
        seq: 0,
      });
    }
    this.sortedIds = undefined;
  }

  /** A snapshot of one instance (undefined if unknown). */
  instance(id: string): Ec2Instance | undefined {
    const i = this.store.get(id);
    return i ? this.snapshot(i) : undefined;
  }

  /** Snapshots of all instances, ordered by id. */
  instances(): Ec2Instance[] {
    return this.ids().map((id) => this.snapshot(this.store.get(id) as MutableInstance));
  }

  /** Change an instance out of band (state, tags, bounce, …). A state change cancels a pending settle. */
  updateInstance(id: string, patch: Partial<Omit<Ec2Instance, 'instanceId'>>): void {
    const i = this.store.get(id);
    if (!i) throw new Error(`unknown instance ${id}`);
    if (patch.state !== undefined && patch.state !== i.state) {
      i.state = patch.state;
      i.seq++;
    }
    if (patch.tags !== undefined) i.tags = { ...patch.tags };
    if ('lifecycle' in patch) i.lifecycle = patch.lifecycle;
    if (patch.rootDeviceType !== undefined) i.rootDeviceType = patch.rootDeviceType;
    if (patch.hibernationConfigured !== undefined)
      i.hibernationConfigured = patch.hibernationConfigured;
    if ('stateReason' in patch) i.stateReason = patch.stateReason;
    if (patch.instanceType !== undefined) i.instanceType = patch.instanceType;
    if (patch.availabilityZone !== undefined) i.availabilityZone = patch.availabilityZone;
    if ('bounce' in patch) i.bounce = patch.bounce;
  }

  /** Immediately settle every pending/stopping instance (pending -> running or bounced, stopping -> stopped). */
  settleAll(): void {
    for (const i of this.store.values()) this.settle(i, i.seq);
  }

  // ---- faults ----------------------------------------------------------------------------

  /** The next `n` calls (only of `action`, if given) answer RequestLimitExceeded (HTTP 503). */
  throttleNext(n: number, action?: Ec2Action | string): void {
    if (n > 0)
      this.throttles.push(action === undefined ? { remaining: n } : { remaining: n, action });
  }

  /**
   * Any StartInstances/StopInstances call (by default) that includes `id` fails as a whole with
   * `code`, changing nothing.
   */
  failInstance(
    id: string,
    code: string,
    message?: string,
    options: FailInstanceOptions = {},
  ): void {
    this.faults.set(id, {
      code,
      ...(message !== undefined ? { message } : {}),
      actions: options.actions ?? ['StartInstances', 'StopInstances'],
      remaining: options.times ?? Number.POSITIVE_INFINITY,
      hibernateOnly: options.hibernateOnly ?? false,
    });
  }

  /**
   * Whole requests (of an action, matching `when`) answer with `respond` instead: an EC2 error, a
   * raw HTTP answer, or no answer at all. Applied before throttleNext and the rate limits, so a
   * faulted request takes no tokens. Rules apply in the order added.
   */
  injectFault(rule: FaultRule): void {
    this.faultRules.push({
      rule,
      skip: rule.skip ?? 0,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
    });
  }

  /** Remove injected faults (for one instance, or all faults including throttleNext and rules). */
  clearFaults(id?: string): void {
    if (id !== undefined) {
      this.faults.delete(id);
      return;
    }
    this.faults.clear();
    this.throttles = [];
    this.faultRules = [];
  }

  // ---- rate limits & clock -------------------------------------------------------------

  /** Replace the rate-limit configuration; buckets start full. */
  setLimits(limits: false | Ec2Limits): void {
    this.limits =
      limits === false
        ? false
        : { timeScale: limits.timeScale ?? 1, chargeFailedCalls: limits.chargeFailedCalls ?? true };
    this.refillBuckets();
  }

  /** Refill every bucket to capacity. */
  refillBuckets(): void {
    this.requestBuckets.clear();
    this.resourceBuckets.clear();
    if (this.limits === false) return;
    const scale = this.limits.timeScale;
    for (const action of SUPPORTED_ACTIONS) {
      const [cap, rate] = REQUEST_BUCKETS[action];
      this.requestBuckets.set(action, new TokenBucket(cap, rate, scale));
      const res = RESOURCE_BUCKETS[action];
      if (res) this.resourceBuckets.set(action, new TokenBucket(res[0], res[1], scale));
    }
  }

  /** Current tokens, for diagnostics: `{ request, resource? }` (undefined without limits). */
  tokens(action: Ec2Action): { request: number; resource?: number } | undefined {
    const now = performance.now();
    const rq = this.requestBuckets.get(action);
    if (!rq) return undefined;
    rq.refill(now);
    const rs = this.resourceBuckets.get(action);
    rs?.refill(now);
    return rs ? { request: rq.tokens, resource: rs.tokens } : { request: rq.tokens };
  }

  /** Wall time since start (or {@link resetClock}) × timeScale (1 without limits), in seconds. */
  ec2Seconds(): number {
    return this.ec2SecondsAt(performance.now());
  }

  resetClock(): void {
    this.clockStart = performance.now();
  }

  // ---- recording ---------------------------------------------------------------------------

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

  /** Clear instances, recorded requests and faults; cancel settles; refill rate-limit buckets. */
  reset(): void {
    this.store.clear();
    this.sortedIds = undefined;
    this.records.length = 0;
    this.faults.clear();
    this.throttles = [];
    this.faultRules = [];
    this.releaseHung();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.refillBuckets();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const wake of [...this.sleepers]) wake();
    this.releaseHung();
    await closeServer(this.server);
  }

  private releaseHung(): void {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  // ---- HTTP ------------------------------------------------------------------------------

  /** @internal */
  async process(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const params: Record<string, string> = {};
    const query = (req.url ?? '/').split('?')[1] ?? '';
    for (const [k, v] of new URLSearchParams(query)) params[k] = v;
    for (const [k, v] of new URLSearchParams(body)) params[k] = v;
    const action = params.Action ?? '';
    const instanceIds =
      action === 'CreateTags' || action === 'DeleteTags'
        ? indexed(params, 'ResourceId')
        : indexed(params, 'InstanceId');

    if (this.latencyMs > 0) await this.sleep(this.latencyMs);
    if (this.closed) {
      res.destroy();
      return;
    }

    const requestId = randomUUID();
    const fault = this.takeFault(action, params);
    if (fault === 'hang') {
      this.records.push({
        action,
        params,
        instanceIds,
        status: 0,
        errorCode: 'Hang',
        at: arrived - this.startedAt,
        ec2At: this.ec2SecondsAt(arrived),
      });
      this.hung.add(res);
      res.once('close', () => this.hung.delete(res));
      return;
    }
    let outcome: Outcome;
    try {
      if (fault && 'body' in fault) {
        outcome = { status: fault.status, body: fault.body, contentType: fault.contentType };
      } else if (fault) {
        throw Object.assign(
          new Ec2Error(fault.code, fault.message ?? `${fault.code} (injected fault)`),
          {
            status: fault.status,
          },
        );
      } else {
        outcome = this.dispatch(action, params, instanceIds, requestId);
      }
    } catch (caught) {
      const e =
        caught instanceof Ec2Error
          ? caught
          : new Ec2Error('InternalError', `Fake EC2 endpoint bug: ${String(caught)}`);
      outcome = {
        status: (e as { status?: number }).status ?? httpStatusFor(e.code),
        errorCode: e.code,
        body:
          '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>' +
          el('Code', e.code) +
          el('Message', e.message) +
          `</Error></Errors>${el('RequestID', requestId)}</Response>`,
      };
    }

    this.records.push({
      action,
      params,
      instanceIds,
      status: outcome.status,
      ...(outcome.errorCode !== undefined ? { errorCode: outcome.errorCode } : {}),
      at: arrived - this.startedAt,
      ec2At: this.ec2SecondsAt(arrived),
    });

    const after = outcome.after;
    if (after) {
      // 'finish' when the body is handed to the socket; 'close' covers an aborted connection.
      let done = false;
      const once = (): void => {
        if (!done) {
          done = true;
          after();
        }
      };
      res.once('finish', once);
      res.once('close', once);
    }
    res.writeHead(outcome.status, {
      'Content-Type': outcome.contentType ?? 'text/xml;charset=UTF-8',
      'Content-Length': Buffer.byteLength(outcome.body),
      'x-amzn-RequestId': requestId,
      Server: 'AmazonEC2',
    });
    res.end(outcome.body);
  }

  private dispatch(
    action: string,
    params: Record<string, string>,
    instanceIds: string[],
    requestId: string,
  ): Outcome {
    if (!(SUPPORTED_ACTIONS as readonly string[]).includes(action)) {
      throw new Ec2Error(
        'InvalidAction',
        `The action ${action || '(none)'} is not valid for this web service.`,
      );
    }
    const act = action as Ec2Action;
    const refund = this.admit(act, instanceIds);
    try {
      switch (act) {
        case 'DescribeInstances':
          return this.describeInstances(params, instanceIds, requestId);
        case 'StartInstances':
          return this.startInstances(instanceIds, requestId);
        case 'StopInstances':
          return this.stopInstances(params, instanceIds, requestId);
        case 'CreateTags':
          return this.createTags(params, instanceIds, requestId);
        case 'DeleteTags':
          return this.deleteTags(params, instanceIds, requestId);
      }
    } catch (err) {
      if (this.limits !== false && !this.limits.chargeFailedCalls) refund();
      throw err;
    }
  }

  /** The injected fault this request gets, if any (and counts it). */
  private takeFault(action: string, params: Record<string, string>): FaultResponse | undefined {
    for (const f of this.faultRules) {
      if (f.rule.action !== undefined && f.rule.action !== action) continue;
      if (f.rule.when && !f.rule.when(params)) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      if (f.remaining <= 0) continue;
      f.remaining--;
      return f.rule.respond;
    }
    return undefined;
  }

  /**
   * throttleNext rules first (consume no tokens), then the token buckets. Returns what gives the
   * tokens back (for a failed call, when failed calls are not charged).
   */
  private admit(action: Ec2Action, ids: readonly string[]): () => void {
    const rule = this.throttles.find((t) => t.action === undefined || t.action === action);
    if (rule) {
      rule.remaining--;
      if (rule.remaining <= 0) this.throttles = this.throttles.filter((t) => t !== rule);
      throw new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    }
    const rq = this.requestBuckets.get(action);
    if (!rq) return () => undefined;
    const now = performance.now();
    rq.refill(now);
    const rs = this.resourceBuckets.get(action);
    rs?.refill(now);
    const cost = unique(ids).length;
    if (rq.tokens < 1 || (rs !== undefined && rs.tokens < cost)) {
      throw new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.');
    }
    rq.tokens -= 1;
    if (rs) rs.tokens -= cost;
    return () => {
      rq.tokens = Math.min(rq.capacity, rq.tokens + 1);
      if (rs) rs.tokens = Math.min(rs.capacity, rs.tokens + cost);
    };
  }

  // ---- actions -------------------------------------------------------------------------

  private describeInstances(
    params: Record<string, string>,
    instanceIds: string[],
    requestId: string,
  ): Outcome {
    const predicates: InstancePredicate[] = [];
    let filterValues = 0;
    for (const n of indexNumbers(params, /^Filter\.(\d+)\.Name$/)) {
      const name = params[`Filter.${n}.Name`];
      const values = indexed(params, `Filter.${n}.Value`);
      filterValues += values.length;
      if (values.some((v) => v.length > MAX_FILTER_VALUE_LENGTH)) {
        throw new Ec2Error(
          'FilterLimitExceeded',
          `The maximum length for a filter value is ${MAX_FILTER_VALUE_LENGTH} characters`,
        );
      }
      predicates.push(filterPredicate(name, values));
    }
    if (filterValues > MAX_FILTER_VALUES) {
      throw new Ec2Error(
        'FilterLimitExceeded',
        `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`,
      );
    }

    let maxResults: number | undefined;
    if (params.MaxResults !== undefined) {
      maxResults = Number(params.MaxResults);
      if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `Value ( ${params.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
        );
      }
      if (instanceIds.length > 0) {
        throw new Ec2Error(
          'InvalidParameterCombination',
          'The parameter instancesSet cannot be used with the parameter maxResults',
        );
      }
    }

    let candidates: string[];
    if (instanceIds.length > 0) {
      const ids = unique(instanceIds);
      const bad = ids.find((id) => !ID_RE.test(id));
      if (bad !== undefined) throw malformed(bad);
      const missing = ids.filter((id) => !this.store.has(id));
      if (missing.length > 0) throw notFound(missing);
      candidates = ids.sort();
    } else {
      candidates = this.ids();
    }

    let start = 0;
    if (params.NextToken !== undefined && params.NextToken !== '') {
      const after = decodeToken(params.NextToken);
      start = candidates.findIndex((id) => id > after);
      if (start < 0) start = candidates.length;
    }

    const page: MutableInstance[] = [];
    let nextToken: string | undefined;
    for (let k = start; k < candidates.length; k++) {
      const inst = this.store.get(candidates[k]) as MutableInstance;
      if (!predicates.every((p) => p(inst))) continue;
      if (maxResults !== undefined && page.length === maxResults) {
        nextToken = encodeToken(page[page.length - 1].instanceId);
        break;
      }
      page.push(inst);
    }

    const reservations = page.map((i) => this.reservationXml(i)).join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${EC2_XMLNS}">` +
      el('requestId', requestId) +
      (reservations ? `<reservationSet>${reservations}</reservationSet>` : '<reservationSet/>') +
      (nextToken !== undefined ? el('nextToken', nextToken) : '') +
      '</DescribeInstancesResponse>';
    return { status: 200, body };
  }

  private startInstances(instanceIds: string[], requestId: string): Outcome {
    const ids = this.resolveForStateChange('StartInstances', instanceIds);
    for (const i of ids) {
      if (i.state === 'stopping' || i.state === 'shutting-down' || i.state === 'terminated') {
        throw new Ec2Error(
          'IncorrectInstanceState',
          `The instance '${i.instanceId}' is not in a state from which it can be started.`,
        );
      }
    }
    // Validation passed: apply all-or-nothing.
    const changed: Array<[MutableInstance, number]> = [];
    const items = ids.map((i) => {
      const previous = i.state;
      if (i.state === 'stopped') {
        i.state = 'pending';
        i.seq++;
        i.reason = '';
        delete i.stateReason;
        changed.push([i, i.seq]);
      }
      return this.stateChangeXml(i.instanceId, i.state, previous);
    });
    return {
      status: 200,
      body: this.stateChangeResponse('StartInstancesResponse', requestId, items),
      after: () => this.scheduleSettle(changed),
    };
  }

  private stopInstances(
    params: Record<string, string>,
    instanceIds: string[],
    requestId: string,
  ): Outcome {
    const hibernate = params.Hibernate === 'true';
    const ids = this.resolveForStateChange('StopInstances', instanceIds, hibernate);
    for (const i of ids) {
      if (i.rootDeviceType === 'instance-store') {
        throw new Ec2Error(
          'UnsupportedOperation',
          `The instance '${i.instanceId}' does not have an 'ebs' root device type and cannot be stopped.`,
        );
      }
      if (i.lifecycle === 'scheduled') {
        throw new Ec2Error(
          'UnsupportedOperation',
          `The instance '${i.instanceId}' is a Scheduled Instance and cannot be stopped.`,
        );
      }
      if (i.lifecycle === 'spot') {
        throw new Ec2Error(
          'UnsupportedOperation',
          `You can't stop the Spot Instance '${i.instanceId}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
        );
      }
      if (hibernate && !i.hibernationConfigured) {
        throw new Ec2Error(
          'UnsupportedHibernationConfiguration',
          `The instance '${i.instanceId}' does not have hibernation configured. Hibernation must be enabled at launch.`,
        );
      }
      if (i.state === 'pending' || i.state === 'shutting-down' || i.state === 'terminated') {
        throw new Ec2Error(
          'IncorrectInstanceState',
          `This instance '${i.instanceId}' is not in a state from which it can be stopped.`,
        );
      }
    }
    const now = new Date();
    const changed: Array<[MutableInstance, number]> = [];
    const items = ids.map((i) => {
      const previous = i.state;
      if (i.state === 'running') {
        i.state = 'stopping';
        i.seq++;
        i.reason = `User initiated (${gmtStamp(now)})`;
        i.stateReason = hibernate
          ? {
              code: 'Client.UserInitiatedHibernate',
              message: 'Client.UserInitiatedHibernate: User initiated hibernate',
            }
          : {
              code: 'Client.UserInitiatedShutdown',
              message: 'Client.UserInitiatedShutdown: User initiated shutdown',
            };
        changed.push([i, i.seq]);
      }
      return this.stateChangeXml(i.instanceId, i.state, previous);
    });
    return {
      status: 200,
      body: this.stateChangeResponse('StopInstancesResponse', requestId, items),
      after: () => this.scheduleSettle(changed),
    };
  }

  private createTags(
    params: Record<string, string>,
    resourceIds: string[],
    requestId: string,
  ): Outcome {
    if (resourceIds.length === 0) {
      throw new Ec2Error(
        'MissingParameter',
        'The request must contain the parameter resourceIdSet',
      );
    }
    const tags: Record<string, string> = {};
    for (const n of indexNumbers(params, /^Tag\.(\d+)\.Key$/)) {
      const key = params[`Tag.${n}.Key`];
      const value = params[`Tag.${n}.Value`] ?? '';
      if (key.toLowerCase().startsWith('aws:')) {
        throw new Ec2Error(
          'InvalidParameterValue',
          "Tag keys starting with 'aws:' are reserved for internal use",
        );
      }
      if (key.length === 0 || key.length > 128 || value.length > 256) {
        throw new Ec2Error(
          'InvalidParameterValue',
          `Tag '${key}' has an invalid key or value length`,
        );
      }
      tags[key] = value;
    }
    if (Object.keys(tags).length === 0) {
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter tagSet');
    }
    const ids = unique(resourceIds);
    for (const id of ids) {
      if (!RESOURCE_ID_RE.test(id)) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
      if (!id.startsWith('i-')) {
        throw new Ec2Error(
          'InvalidID',
          `The ID '${id}' is not valid (this fake only has instances)`,
        );
      }
      if (!ID_RE.test(id)) throw malformed(id);
    }
    const missing = ids.filter((id) => !this.store.has(id));
    if (missing.length > 0) throw notFound(missing);
    this.applyFaults('CreateTags', ids);
    const targets = ids.map((id) => this.store.get(id) as MutableInstance);
    for (const t of targets) {
      if (Object.keys({ ...t.tags, ...tags }).length > 50) {
        throw new Ec2Error(
          'TagLimitExceeded',
          'The maximum number of Tags for a resource has been reached.',
        );
      }
    }
    for (const t of targets) Object.assign(t.tags, tags);
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<CreateTagsResponse xmlns="${EC2_XMLNS}">` +
      el('requestId', requestId) +
      el('return', true) +
      '</CreateTagsResponse>';
    return { status: 200, body };
  }

  /**
   * DeleteTags: `Tag.N.Key` with no `Tag.N.Value` deletes the key whatever its value; with a value
   * (even empty), only when the value is that. No `Tag.N` deletes every tag but `aws:` ones.
   */
  private deleteTags(
    params: Record<string, string>,
    resourceIds: string[],
    requestId: string,
  ): Outcome {
    if (resourceIds.length === 0) {
      throw new Ec2Error(
        'MissingParameter',
        'The request must contain the parameter resourceIdSet',
      );
    }
    const keys = indexNumbers(params, /^Tag\.(\d+)\.Key$/).map((n) => ({
      key: params[`Tag.${n}.Key`],
      value: params[`Tag.${n}.Value`] as string | undefined,
    }));
    for (const { key } of keys) {
      if (key.toLowerCase().startsWith('aws:')) {
        throw new Ec2Error(
          'InvalidParameterValue',
          "Tag keys starting with 'aws:' are reserved for internal use",
        );
      }
      if (key.length === 0 || key.length > 128) {
        throw new Ec2Error('InvalidParameterValue', `Tag '${key}' has an invalid key length`);
      }
    }
    for (const t of this.tagTargets('DeleteTags', resourceIds)) {
      if (keys.length === 0) {
        for (const k of Object.keys(t.tags)) if (!k.startsWith('aws:')) delete t.tags[k];
      }
      for (const { key, value } of keys) {
        if (key in t.tags && (value === undefined || t.tags[key] === value)) delete t.tags[key];
      }
    }
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteTagsResponse xmlns="${EC2_XMLNS}">` +
      el('requestId', requestId) +
      el('return', true) +
      '</DeleteTagsResponse>';
    return { status: 200, body };
  }

  // ---- helpers ---------------------------------------------------------------------------

  /** DeleteTags' resources (checked as CreateTags checks its own): ids of known instances. */
  private tagTargets(action: Ec2Action, resourceIds: readonly string[]): MutableInstance[] {
    const ids = unique(resourceIds);
    for (const id of ids) {
      if (!RESOURCE_ID_RE.test(id)) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
      if (!id.startsWith('i-')) {
        throw new Ec2Error(
          'InvalidID',
          `The ID '${id}' is not valid (this fake only has instances)`,
        );
      }
      if (!ID_RE.test(id)) throw malformed(id);
    }
    const missing = ids.filter((id) => !this.store.has(id));
    if (missing.length > 0) throw notFound(missing);
    this.applyFaults(action, ids);
    return ids.map((id) => this.store.get(id) as MutableInstance);
  }

  /** Common start/stop validation: ids present, well formed, known, and no injected fault. */
  private resolveForStateChange(
    action: Ec2Action,
    instanceIds: readonly string[],
    hibernate = false,
  ): MutableInstance[] {
    if (instanceIds.length === 0) {
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
    }
    const ids = unique(instanceIds);
    const bad = ids.find((id) => !ID_RE.test(id));
    if (bad !== undefined) throw malformed(bad);
    const missing = ids.filter((id) => !this.store.has(id));
    if (missing.length > 0) throw notFound(missing);
    this.applyFaults(action, ids, hibernate);
    return ids.map((id) => this.store.get(id) as MutableInstance);
  }

  private applyFaults(action: Ec2Action, ids: readonly string[], hibernate = false): void {
    for (const id of ids) {
      const f = this.faults.get(id);
      if (!f || !f.actions.includes(action) || (f.hibernateOnly && !hibernate)) continue;
      f.remaining--;
      if (f.remaining <= 0) this.faults.delete(id);
      throw new Ec2Error(f.code, f.message ?? this.defaultFaultMessage(f.code, action, id));
    }
  }

  private defaultFaultMessage(code: string, action: Ec2Action, id: string): string {
    const inst = this.store.get(id);
    switch (code) {
      case 'InsufficientInstanceCapacity': {
        const type = inst?.instanceType ?? 't3.micro';
        const zone = inst?.availabilityZone ?? 'us-east-1a';
        return `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${zone}). Our system will be working on provisioning additional capacity. You can currently get ${type} capacity by not specifying an Availability Zone in your request or choosing another Availability Zone.`;
      }
      case 'IncorrectInstanceState':
        return `The instance '${id}' is not in a state from which it can be ${action === 'StartInstances' ? 'started' : 'stopped'}.`;
      case 'UnsupportedHibernationConfiguration':
        return `The instance '${id}' does not have hibernation configured. Hibernation must be enabled at launch.`;
      case 'InvalidInstanceID.NotFound':
        return `The instance ID '${id}' does not exist`;
      case 'RequestLimitExceeded':
        return 'Request limit exceeded.';
      default:
        return `${code} (injected fault for ${id})`;
    }
  }

  private scheduleSettle(changed: ReadonlyArray<[MutableInstance, number]>): void {
    if (changed.length === 0 || this.closed) return;
    const run = (): void => {
      for (const [i, seq] of changed) this.settle(i, seq);
    };
    if (this.settleMs <= 0) {
      run();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      run();
    }, this.settleMs);
    this.timers.add(t);
  }

  private settle(i: MutableInstance, seq: number): void {
    if (i.seq !== seq || this.store.get(i.instanceId) !== i) return;
    if (i.state === 'pending') {
      i.seq++;
      if (i.bounce) {
        i.state = 'stopped';
        i.stateReason = { ...i.bounce };
      } else {
        i.state = 'running';
      }
    } else if (i.state === 'stopping') {
      i.seq++;
      i.state = 'stopped';
    }
  }

  private stateChangeXml(
    id: string,
    current: InstanceStateName,
    previous: InstanceStateName,
  ): string {
    return `<item>${el('instanceId', id)}${stateXml('currentState', current)}${stateXml('previousState', previous)}</item>`;
  }

  private stateChangeResponse(root: string, requestId: string, items: readonly string[]): string {
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${EC2_XMLNS}">` +
      el('requestId', requestId) +
      `<instancesSet>${items.join('')}</instancesSet></${root}>`
    );
  }

  private reservationXml(i: MutableInstance): string {
    const tagSet = Object.entries(i.tags)
      .map(([k, v]) => `<item>${el('key', k)}${el('value', v)}</item>`)
      .join('');
    const instance =
      '<item>' +
      el('instanceId', i.instanceId) +
      el('imageId', 'ami-0123456789abcdef0') +
      stateXml('instanceState', i.state) +
      (i.reason ? el('reason', i.reason) : '<reason/>') +
      el('amiLaunchIndex', 0) +
      el('instanceType', i.instanceType) +
      el('launchTime', '2024-01-01T00:00:00.000Z') +
      `<placement>${el('availabilityZone', i.availabilityZone)}${el('tenancy', 'default')}</placement>` +
      `<monitoring>${el('state', 'disabled')}</monitoring>` +
      (i.lifecycle ? el('instanceLifecycle', i.lifecycle) : '') +
      el('architecture', 'x86_64') +
      el('rootDeviceType', i.rootDeviceType) +
      (i.rootDeviceType === 'ebs' ? el('rootDeviceName', '/dev/xvda') : '') +
      (i.stateReason
        ? `<stateReason>${el('code', i.stateReason.code)}${el('message', i.stateReason.message)}</stateReason>`
        : '') +
      (tagSet ? `<tagSet>${tagSet}</tagSet>` : '') +
      el('virtualizationType', 'hvm') +
      `<hibernationOptions>${el('configured', i.hibernationConfigured)}</hibernationOptions>` +
      '</item>';
    return (
      '<item>' +
      el('reservationId', `r-${i.instanceId.slice(2)}`) +
      el('ownerId', this.ownerId) +
      '<groupSet/>' +
      `<instancesSet>${instance}</instancesSet>` +
      '</item>'
    );
  }

  private snapshot(i: MutableInstance): Ec2Instance {
    return {
      instanceId: i.instanceId,
      state: i.state,
      tags: { ...i.tags },
      ...(i.lifecycle ? { lifecycle: i.lifecycle } : {}),
      rootDeviceType: i.rootDeviceType,
      hibernationConfigured: i.hibernationConfigured,
      ...(i.stateReason ? { stateReason: { ...i.stateReason } } : {}),
      instanceType: i.instanceType,
      availabilityZone: i.availabilityZone,
      ...(i.bounce ? { bounce: { ...i.bounce } } : {}),
    };
  }

  private ids(): string[] {
    if (!this.sortedIds) this.sortedIds = [...this.store.keys()].sort();
    return this.sortedIds;
  }

  private ec2SecondsAt(now: number): number {
    const scale = this.limits === false ? 1 : this.limits.timeScale;
    return ((now - this.clockStart) / 1000) * scale;
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
