/**
 * The fake EKS service itself: clusters holding managed node groups, scaled with
 * `UpdateNodegroupConfig`. An update is InProgress (the node group UPDATING, and a second update
 * answered `ResourceInUseException`) for `updateMs`, then Successful (or Failed with the errors a
 * test set, the scaling config going back). Given an Auto Scaling model, each node group is backed
 * by an Auto Scaling group EKS owns (tagged `eks:cluster-name` and `eks:nodegroup-name`, which
 * propagate to its instances in the EC2 model), resized when an update succeeds. Calls are
 * admitted by `failNext`, `throttleNext` and an optional token bucket.
 */
import type { AutoScalingModel } from '../autoscaling';
import { type BucketLimit, TokenBucket } from '../token-bucket';
import {
  checkScaling,
  EksError,
  type ModelNodegroup,
  type ModelUpdate,
  type NodegroupSpec,
  type ScalingConfig,
  type UpdateError,
} from './nodegroups';

/** The calls the fake answers. */
export const EKS_ACTIONS = [
  'ListClusters',
  'ListNodegroups',
  'DescribeNodegroup',
  'UpdateNodegroupConfig',
  'DescribeUpdate',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
] as const;
export type EksAction = (typeof EKS_ACTIONS)[number];

interface Failure {
  readonly action?: EksAction;
  readonly error: EksError;
  remaining: number;
}

/** A UUID-shaped id from a counter, so runs are reproducible. */
function uuid(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export class EksModel {
  /** How long an update stays InProgress, in ms (settable; applies to later updates). */
  updateMs = 0;
  /** Node groups by `cluster/name`. */
  readonly nodegroups = new Map<string, ModelNodegroup>();
  readonly updates = new Map<string, ModelUpdate>();
  private readonly failures: Failure[] = [];
  private bucket: TokenBucket | undefined;
  private next = 1;

  constructor(
    protected readonly now: () => number,
    /** When given, node groups are backed by Auto Scaling groups of this model. */
    readonly autoScaling?: AutoScalingModel,
    readonly account = '123456789012',
    readonly region = 'us-east-1',
  ) {}

  /** Adds a node group (and its cluster), ACTIVE, with `desiredSize` nodes. */
  addNodegroup(spec: NodegroupSpec): ModelNodegroup {
    const key = `${spec.clusterName}/${spec.name}`;
    if (this.nodegroups.has(key)) throw new Error(`duplicate node group ${key}`);
    const scaling = {
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desiredSize: spec.desiredSize ?? spec.minSize,
    };
    checkScaling(scaling);
    const id = uuid('9ac0ffee', this.next++);
    const autoScalingGroup = this.autoScaling ? `eks-${spec.name}-${id}` : undefined;
    const ng: ModelNodegroup = {
      clusterName: spec.clusterName,
      name: spec.name,
      arn: `arn:aws:eks:${this.region}:${this.account}:nodegroup/${spec.clusterName}/${spec.name}/${id}`,
      createdAt: this.now(),
      modifiedAt: this.now(),
      scaling,
      tags: new Map(Object.entries(spec.tags ?? {})),
      ...(autoScalingGroup ? { autoScalingGroup } : {}),
    };
    this.nodegroups.set(key, ng);
    if (autoScalingGroup && this.autoScaling) {
      const owned = (key: string, value: string) => ({ key, value, propagateAtLaunch: true });
      this.autoScaling.addGroup({
        name: autoScalingGroup,
        minSize: scaling.minSize,
        maxSize: scaling.maxSize,
        desiredCapacity: scaling.desiredSize,
        tags: [
          owned('eks:cluster-name', spec.clusterName),
          owned('eks:nodegroup-name', spec.name),
          owned(`kubernetes.io/cluster/${spec.clusterName}`, 'owned'),
          { key: 'k8s.io/cluster-autoscaler/enabled', value: 'true' },
        ],
      });
    }
    return ng;
  }

  /** A node group (after due updates ended), or undefined. */
  nodegroup(clusterName: string, name: string): ModelNodegroup | undefined {
    this.settleDue();
    return this.nodegroups.get(`${clusterName}/${name}`);
  }

  /** `ACTIVE`, or `UPDATING` while an update is in progress. */
  statusOf(ng: ModelNodegroup): 'ACTIVE' | 'UPDATING' {
    return ng.current ? 'UPDATING' : 'ACTIVE';
  }

  /** The node group an ARN names, or `ResourceNotFoundException`/`NotFoundException`. */
  byArn(arn: string): ModelNodegroup {
    this.settleDue();
    for (const ng of this.nodegroups.values()) if (ng.arn === arn) return ng;
    throw new EksError('NotFoundException', `Resource ${arn} not found`);
  }

  /** The node group, or `ResourceNotFoundException` as the service says it. */
  find(clusterName: string, name: string): ModelNodegroup {
    const ng = this.nodegroup(clusterName, name);
    if (!ng) {
      throw new EksError(
        'ResourceNotFoundException',
        `No node group found for name: ${name}.`,
        404,
        {
          clusterName,
          nodegroupName: name,
        },
      );
    }
    return ng;
  }

  /** `UpdateNodegroupConfig` (scaling only): the update it begins. */
  updateScaling(clusterName: string, name: string, change: Partial<ScalingConfig>): ModelUpdate {
    const ng = this.find(clusterName, name);
    if (ng.current) {
      throw new EksError(
        'ResourceInUseException',
        'Nodegroup cannot be updated as it is currently not in Active State',
        409,
        { clusterName, nodegroupName: name },
      );
    }
    const next = { ...ng.scaling, ...change };
    checkScaling(next);
    const now = this.now();
    const update: ModelUpdate = {
      id: uuid('7e57da7e', this.next++),
      clusterName,
      nodegroupName: name,
      createdAt: now,
      endsAt: now + this.updateMs,
      status: 'InProgress',
      params: Object.entries(change).map(([k, v]) => ({
        type: k[0].toUpperCase() + k.slice(1),
        value: String(v),
      })),
      errors: [],
      before: ng.scaling,
    };
    ng.scaling = next;
    ng.modifiedAt = now;
    ng.current = update;
    this.updates.set(update.id, update);
    if (this.updateMs === 0) this.settleDue();
    return update;
  }

  /** The next update of the node group ends Failed with `errors` (its config going back). */
  failNextUpdate(clusterName: string, name: string, errors: readonly UpdateError[]): void {
    this.find(clusterName, name).failNextUpdate = errors;
  }

  /** Resizes a node group out of band (a person in the console), at once. */
  resize(clusterName: string, name: string, change: Partial<ScalingConfig>): void {
    const saved = this.updateMs;
    this.updateMs = 0;
    try {
      this.updateScaling(clusterName, name, change);
    } finally {
      this.updateMs = saved;
    }
  }

  /** The next `n` calls (of `action`, if given) answer `code` with `message`. */
  failNext(n: number, code: string, message: string, action?: EksAction): void {
    this.failures.push({ action, error: new EksError(code, message), remaining: n });
  }

  /** The next `n` calls (of `action`, if given) answer `ThrottlingException` (429). */
  throttleNext(n: number, action?: EksAction): void {
    this.failNext(n, 'ThrottlingException', 'Rate exceeded', action);
  }

  /** One token bucket for every call (false: none); a test chooses the figures. */
  setRateLimit(limit: BucketLimit | false): void {
    this.bucket = limit === false ? undefined : new TokenBucket(limit, this.now());
  }

  /** Admits a call: injected failures first, then the bucket. Throws {@link EksError}. */
  admit(action: EksAction): void {
    const failure = this.failures.find((f) => f.action === undefined || f.action === action);
    if (failure) {
      failure.remaining--;
      if (failure.remaining <= 0) this.failures.splice(this.failures.indexOf(failure), 1);
      throw failure.error;
    }
    if (this.bucket) {
      const now = this.now();
      if (this.bucket.level(now) < 1) throw new EksError('ThrottlingException', 'Rate exceeded');
      this.bucket.take(1, now);
    }
    this.settleDue();
  }

  /** Ends the updates that are due: Successful (the Auto Scaling group resized) or Failed. */
  settleDue(): void {
    const now = this.now();
    for (const ng of this.nodegroups.values()) {
      const u = ng.current;
      if (!u || now < u.endsAt) continue;
      delete ng.current;
      if (ng.failNextUpdate) {
        Object.assign(u, { status: 'Failed', errors: ng.failNextUpdate });
        ng.scaling = u.before;
        delete ng.failNextUpdate;
        continue;
      }
      u.status = 'Successful';
      if (ng.autoScalingGroup && this.autoScaling) {
        this.autoScaling.resize(ng.autoScalingGroup, {
          minSize: ng.scaling.minSize,
          maxSize: ng.scaling.maxSize,
          desiredCapacity: ng.scaling.desiredSize,
        });
      }
    }
  }

  /** The model's clock. */
  time(): number {
    return this.now();
  }

  /** Clears node groups, updates and failures (the Auto Scaling model is reset on its own). */
  reset(): void {
    this.nodegroups.clear();
    this.updates.clear();
    this.failures.length = 0;
    this.bucket = undefined;
    this.updateMs = 0;
  }
}

export type { UpdateError };
