/**
 * The fake EC2 itself, behind both front ends (the loopback Query API endpoint and the in-process
 * SDK mock): instances with their tags and states, DescribeInstances with filters and pagination,
 * StartInstances/StopInstances with EC2's validation and transitions (pending -> running, or back
 * to stopped with a state reason; stopping -> stopped), CreateTags, instances whose presence fails
 * a whole call, throttled calls, and EC2's token buckets.
 *
 * Time is the front end's clock (`now`, in ms): wall time for the endpoint, a virtual clock for
 * the unit tests. Transitions settle `settleMs` after the call (an instance's `pendingMs` for its
 * starts), checked whenever the model is looked at.
 */
import type {
  CreateTagsRequest,
  DeleteTagsRequest,
  DescribeRequest,
  DescribeResponse,
  Ec2Action,
  Ec2Request,
  Ec2Response,
  StateChangeRequest,
  StateChangeResponse,
  Tag,
  TagsResponse,
} from './api';
import { idsOf } from './api';
import { RateLimiter, type RateLimits } from './buckets';
import { Ec2Error, faultMessage } from './errors';
import { InstanceFaults, type FailInstanceOptions } from './faults';
import { matchFilters } from './filters';
import {
  modelInstance,
  patchInstance,
  snapshot,
  USER_INITIATED_HIBERNATE,
  USER_INITIATED_SHUTDOWN,
  type Ec2Instance,
  type ModelInstance,
} from './instances';
import {
  checkDeleteKeys,
  checkMaxResults,
  checkResourceIds,
  checkStart,
  checkStop,
  decodeToken,
  encodeToken,
  gmtStamp,
  knownIds,
  MAX_TAGS,
  requireResources,
  tagsOf,
  unique,
} from './rules';

export class Ec2Model {
  /** How long pending and stopping last after a call, in ms (settable; applies to later calls). */
  settleMs = 0;
  /**
   * Whether a call that is admitted and then fails (e.g. InsufficientInstanceCapacity) keeps the
   * tokens it took. EC2 does not document it either way; true assumes it does.
   */
  chargeFailedCalls = true;
  private readonly store = new Map<string, ModelInstance>();
  private sortedIds: string[] | undefined;
  /** Instances pending or stopping, until they settle. */
  private readonly unsettled = new Set<ModelInstance>();
  private readonly faults = new InstanceFaults();
  private readonly limiter = new RateLimiter();

  constructor(protected readonly now: () => number) {}

  // ---- instances -------------------------------------------------------------------------

  /** How many instances there are. */
  get size(): number {
    return this.store.size;
  }

  addInstances(list: readonly Ec2Instance[]): void {
    for (const i of list) {
      if (this.store.has(i.instanceId)) throw new Error(`duplicate instance ${i.instanceId}`);
      this.store.set(i.instanceId, modelInstance(i));
    }
    this.sortedIds = undefined;
  }

  /** A snapshot of one instance (undefined if unknown). */
  instance(id: string): Ec2Instance | undefined {
    this.settleDue();
    const i = this.store.get(id);
    return i ? snapshot(i) : undefined;
  }

  /** Snapshots of all instances, ordered by id. */
  instances(): Ec2Instance[] {
    this.settleDue();
    return this.ids().map((id) => snapshot(this.store.get(id) as ModelInstance));
  }

  /** Change an instance out of band (state, tags, bounce, …). A state change cancels a pending settle. */
  updateInstance(id: string, patch: Partial<Omit<Ec2Instance, 'instanceId'>>): void {
    const i = this.store.get(id);
    if (!i) throw new Error(`unknown instance ${id}`);
    const { state, tags, ...rest } = patch;
    if (state !== undefined && state !== i.state) {
      i.state = state;
      this.unsettled.delete(i);
      delete i.settleAt;
    }
    if (tags !== undefined) i.tags = { ...tags };
    patchInstance(i, rest);
  }

  /** Settle every pending/stopping instance now (pending -> running or bounced, stopping -> stopped). */
  settleAll(): void {
    for (const i of this.unsettled) this.settle(i);
  }

  // ---- faults ----------------------------------------------------------------------------

  /**
   * Any StartInstances/StopInstances call (by default) that includes `id` fails as a whole with
   * `code`, changing nothing.
   */
  failInstance(id: string, code: string, message?: string, options?: FailInstanceOptions): void {
    this.faults.set(id, code, message, options);
  }

  /** The next `n` calls (only of `action`, if given) answer RequestLimitExceeded, taking no tokens. */
  throttleNext(n: number, action?: Ec2Action | string): void {
    this.limiter.throttleNext(n, action);
  }

  /** Remove injected faults (for one instance, or all of them and throttleNext). */
  clearFaults(id?: string): void {
    this.faults.clear(id);
    if (id === undefined) this.limiter.clearThrottles();
  }

  // ---- rate limits -----------------------------------------------------------------------

  /** Replace the rate limits (false: none); buckets start full, or at `limits.levels`. */
  setRateLimits(limits: RateLimits | false): void {
    this.limiter.set(limits, this.now());
  }

  /** Refill every bucket to capacity. */
  refillBuckets(): void {
    this.limiter.refill(this.now());
  }

  /** Current tokens, for diagnostics: `{ request, resource? }` (undefined without limits). */
  tokens(action: Ec2Action): { request: number; resource?: number } | undefined {
    return this.limiter.tokens(action, this.now());
  }

  // ---- calls -----------------------------------------------------------------------------

  /**
   * One call, as EC2 takes it: throttleNext and the token buckets admit it; a call that then
   * fails gives its tokens back unless failed calls are charged. Throws {@link Ec2Error}.
   */
  call(request: DescribeRequest): DescribeResponse;
  call(request: StateChangeRequest): StateChangeResponse;
  call(request: CreateTagsRequest | DeleteTagsRequest): TagsResponse;
  call(request: Ec2Request): Ec2Response;
  call(request: Ec2Request): Ec2Response {
    this.settleDue();
    const refund = this.limiter.admit(request.action, unique(idsOf(request)).length, this.now());
    try {
      switch (request.action) {
        case 'DescribeInstances':
          return this.describe(request);
        case 'StartInstances':
        case 'StopInstances':
          return this.changeState(request);
        case 'CreateTags':
          return this.createTags(request.resourceIds, request.tags);
        case 'DeleteTags':
          return this.deleteTags(request);
      }
    } catch (err) {
      if (!this.chargeFailedCalls) refund(this.now());
      throw err;
    }
  }

  /** Clear instances and faults; refill the buckets. */
  reset(): void {
    this.store.clear();
    this.unsettled.clear();
    this.sortedIds = undefined;
    this.clearFaults();
    this.refillBuckets();
  }

  private describe(request: DescribeRequest): DescribeResponse {
    const matches = matchFilters(request.filters);
    const { maxResults, instanceIds } = request;
    checkMaxResults(maxResults, instanceIds);
    const candidates = instanceIds.length > 0 ? this.known(instanceIds).sort() : this.ids();
    let start = 0;
    if (request.nextToken) {
      const after = decodeToken(request.nextToken);
      start = candidates.findIndex((id) => id > after);
      if (start < 0) start = candidates.length;
    }
    const page: ModelInstance[] = [];
    for (let k = start; k < candidates.length; k++) {
      const i = this.store.get(candidates[k]) as ModelInstance;
      if (!matches(i)) continue;
      if (page.length === maxResults) {
        return {
          action: request.action,
          instances: page,
          nextToken: encodeToken(page[page.length - 1].instanceId),
        };
      }
      page.push(i);
    }
    return { action: request.action, instances: page };
  }

  /** StartInstances or StopInstances: validated as a whole, then applied to every instance. */
  private changeState(request: StateChangeRequest): StateChangeResponse {
    const { action } = request;
    const hibernate = action === 'StopInstances' && request.hibernate === true;
    if (request.instanceIds.length === 0) {
      throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId');
    }
    const targets = this.known(request.instanceIds).map(
      (id) => this.store.get(id) as ModelInstance,
    );
    this.applyFaults(action, targets, hibernate);
    for (const i of targets) {
      if (action === 'StartInstances') checkStart(i);
      else checkStop(i, hibernate);
    }
    const now = this.now();
    const changes = targets.map((i) => {
      const previous = i.state;
      if (action === 'StartInstances' && i.state === 'stopped') {
        i.state = 'pending';
        i.transitionReason = '';
        delete i.stateReason;
        this.settleLater(i, now + (i.pendingMs ?? this.settleMs));
      } else if (action === 'StopInstances' && i.state === 'running') {
        i.state = 'stopping';
        i.transitionReason = `User initiated (${gmtStamp(new Date(now))})`;
        i.stateReason = hibernate ? USER_INITIATED_HIBERNATE : USER_INITIATED_SHUTDOWN;
        this.settleLater(i, now + this.settleMs);
      }
      return { instanceId: i.instanceId, current: i.state, previous };
    });
    return { action, changes };
  }

  private createTags(resourceIds: readonly string[], tagList: readonly Tag[]): TagsResponse {
    requireResources(resourceIds);
    const tags = tagsOf(tagList);
    const targets = this.tagTargets('CreateTags', resourceIds);
    if (targets.some((t) => Object.keys({ ...t.tags, ...tags }).length > MAX_TAGS)) {
      throw new Ec2Error(
        'TagLimitExceeded',
        'The maximum number of Tags for a resource has been reached.',
      );
    }
    for (const t of targets) Object.assign(t.tags, tags);
    return { action: 'CreateTags' };
  }

  private deleteTags({ resourceIds, tags }: DeleteTagsRequest): TagsResponse {
    requireResources(resourceIds);
    checkDeleteKeys(tags);
    for (const t of this.tagTargets('DeleteTags', resourceIds)) {
      if (tags.length === 0) {
        for (const k of Object.keys(t.tags)) if (!k.startsWith('aws:')) delete t.tags[k];
      }
      for (const { key, value } of tags) {
        if (key in t.tags && (value === undefined || t.tags[key] === value)) delete t.tags[key];
      }
    }
    return { action: 'DeleteTags' };
  }

  /** The instances a CreateTags or DeleteTags call names (this fake has no other resources). */
  private tagTargets(action: Ec2Action, resourceIds: readonly string[]): ModelInstance[] {
    const ids = unique(resourceIds);
    checkResourceIds(ids);
    const targets = this.known(ids).map((id) => this.store.get(id) as ModelInstance);
    this.applyFaults(action, targets, false);
    return targets;
  }

  /** `ids` without repeats, each well formed and known. */
  private known(ids: readonly string[]): string[] {
    return knownIds(ids, (id) => this.store.has(id));
  }

  private applyFaults(
    action: Ec2Action,
    targets: readonly ModelInstance[],
    hibernate: boolean,
  ): void {
    const ids = targets.map((i) => i.instanceId);
    const fault = this.faults.take(action, ids, hibernate);
    if (fault) {
      const message =
        fault.message ?? faultMessage(fault.code, action, fault.id, this.store.get(fault.id));
      throw new Ec2Error(fault.code, message);
    }
  }

  private settleLater(i: ModelInstance, at: number): void {
    i.settleAt = at;
    this.unsettled.add(i);
  }

  /** Transitions whose time has come settle. */
  private settleDue(): void {
    if (this.unsettled.size === 0) return;
    const now = this.now();
    for (const i of this.unsettled) if (now >= (i.settleAt ?? 0)) this.settle(i);
  }

  private settle(i: ModelInstance): void {
    if (i.state === 'pending') {
      i.state = i.bounce ? 'stopped' : 'running';
      if (i.bounce) i.stateReason = i.bounce;
    } else if (i.state === 'stopping') {
      i.state = 'stopped';
    }
    delete i.settleAt;
    this.unsettled.delete(i);
  }

  private ids(): string[] {
    if (!this.sortedIds) this.sortedIds = [...this.store.keys()].sort();
    return this.sortedIds;
  }
}
