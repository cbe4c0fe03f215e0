/**
 * A run's record, kept as it goes: one outcome per instance (each logged once when the run ends),
 * and the counts the summary adds (audit tags written, overrides ignored, instances in transit).
 */

/** Where an instance ends the run. */
export type Outcome = 'started' | 'stopped' | 'skipped' | 'deferred' | 'failed';

/** One instance's outcome, as its log line says it. */
export interface InstanceResult {
  readonly instanceId: string;
  readonly outcome: Outcome;
  /** Why an instance was skipped or deferred. */
  readonly reason?: string;
  readonly errorCode?: string;
  /** EC2's error message, or what went wrong. */
  readonly errorMessage?: string;
  /** Stopped with hibernation. */
  readonly hibernated?: boolean;
  /** Start: seen `running` afterwards (false: still pending when verification timed out). */
  readonly verified?: boolean;
  /** What the id names when it is not an EC2 instance: a group's name, a node group's cluster/name. */
  readonly resource?: 'auto-scaling-group' | 'eks-nodegroup';
  /** A group's `min,desired,max` after the run acted (or would act) on it. */
  readonly size?: string;
}

/** What a result's id names: an EC2 instance (undefined), or a resource of another kind. */
export type Resource = InstanceResult['resource'];

/** The outcomes of a run's instances (and groups), and what else its summary counts. */
export class RunRecord {
  /**
   * One result per resource (keyed by kind and id, so a group never stands for an instance); a
   * later result for the same resource replaces the earlier.
   */
  private readonly results = new Map<string, InstanceResult>();
  /** Instances given the audit tag. */
  readonly tagged = new Set<string>();
  /** Instances whose override was ignored (each warned about once). */
  readonly overridesIgnored = new Set<string>();
  /** Instances seen on their way into the state the action applies to. */
  readonly inTransit = new Set<string>();
  /** Tagged instances found in the state the action applies to, or on their way into it. */
  found = 0;
  throttledCalls = 0;

  /** Records an instance's outcome; every instance is logged once, when the run ends. */
  record(result: InstanceResult): void {
    this.results.set(`${result.resource ?? 'instance'}/${result.instanceId}`, result);
  }

  /** Fails every id of `resource` (default: EC2 instances) with the same cause. */
  failAll(ids: readonly string[], errorCode: string, message: string, resource?: Resource): void {
    for (const instanceId of ids) {
      this.record({
        instanceId,
        outcome: 'failed',
        errorCode,
        errorMessage: message,
        ...(resource ? { resource } : {}),
      });
    }
  }

  /** The ids of `resource` (default: EC2 instances) whose outcome is `outcome`. */
  idsWith(outcome: Outcome, resource?: Resource): string[] {
    return this.all()
      .filter((r) => r.outcome === outcome && r.resource === resource)
      .map((r) => r.instanceId);
  }

  /** True when any instance has an outcome other than deferred, or was seen in transit. */
  reachedAny(): boolean {
    return this.inTransit.size > 0 || this.all().some((r) => r.outcome !== 'deferred');
  }

  all(): InstanceResult[] {
    return [...this.results.values()];
  }
}
