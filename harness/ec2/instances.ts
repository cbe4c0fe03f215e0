/** The instances of the fake EC2: how a test describes them, and how the model keeps them. */

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

/** The state reason of an instance stopped through the API. */
export const USER_INITIATED_SHUTDOWN: StateReason = {
  code: 'Client.UserInitiatedShutdown',
  message: 'Client.UserInitiatedShutdown: User initiated shutdown',
};

/** The state reason of an instance hibernated through the API. */
export const USER_INITIATED_HIBERNATE: StateReason = {
  code: 'Client.UserInitiatedHibernate',
  message: 'Client.UserInitiatedHibernate: User initiated hibernate',
};

export interface Ec2Instance {
  readonly instanceId: string;
  readonly state: InstanceStateName;
  readonly tags: Readonly<Record<string, string>>;
  /** Absent for on-demand instances, as in EC2. */
  readonly lifecycle?: 'spot' | 'scheduled';
  /** Default `ebs`. */
  readonly rootDeviceType?: 'ebs' | 'instance-store';
  /** Whether EC2 accepts a hibernating stop. Default false. */
  readonly hibernationConfigured?: boolean;
  /** What DescribeInstances says of hibernation, when it differs from what EC2 accepts. */
  readonly describedHibernation?: boolean;
  readonly stateReason?: StateReason;
  /** Default `t3.micro`. */
  readonly instanceType?: string;
  /** Default `us-east-1a`. */
  readonly availabilityZone?: string;
  /**
   * DescribeInstances' `platformDetails`, e.g. `Linux/UNIX`, `Windows`, `Red Hat Enterprise Linux`,
   * `SUSE Linux`, `Windows with SQL Server Standard`. Default `Linux/UNIX`. Those starting with
   * `Windows` are also described with `platform` `windows`, as EC2 does.
   */
  readonly platformDetails?: string;
  /** When set, every start goes pending -> stopped with this state reason (e.g. {@link KMS_BOUNCE}). */
  readonly bounce?: StateReason;
  /**
   * How long a start leaves this instance pending before it runs (or bounces), in ms of the
   * model's clock. Default: the model's `settleMs`; `Infinity`: pending for good.
   */
  readonly pendingMs?: number;
}

/** An instance as the model keeps it: defaults filled in, and where its transition stands. */
export interface ModelInstance {
  readonly instanceId: string;
  state: InstanceStateName;
  tags: Record<string, string>;
  lifecycle?: 'spot' | 'scheduled';
  rootDeviceType: 'ebs' | 'instance-store';
  hibernationConfigured: boolean;
  describedHibernation?: boolean;
  stateReason?: StateReason;
  instanceType: string;
  availabilityZone: string;
  platformDetails: string;
  bounce?: StateReason;
  pendingMs?: number;
  /** stateTransitionReason (the `reason` element). */
  transitionReason: string;
  /** When a pending or stopping instance settles, on the model's clock. */
  settleAt?: number;
}

/** `i-` followed by 17 hex digits, e.g. instanceIdFor(1) === 'i-00000000000000001'. */
export function instanceIdFor(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

export interface MakeInstancesOptions extends Partial<Omit<Ec2Instance, 'instanceId' | 'tags'>> {
  /** Tags for every instance, or a function of the zero-based position in this batch. */
  readonly tags?: Readonly<Record<string, string>> | ((i: number) => Record<string, string>);
  /** Numeric id of the first instance (default 1); use distinct ranges for several batches. */
  readonly firstIndex?: number;
}

/** `n` instances, `running` unless `options.state` says otherwise, each with its own tags. */
export function makeInstances(n: number, options: MakeInstancesOptions = {}): Ec2Instance[] {
  const { tags, firstIndex = 1, state = 'running', ...rest } = options;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const out: Ec2Instance[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      instanceId: instanceIdFor(firstIndex + i),
      state,
      tags: typeof tags === 'function' ? tags(i) : { ...tags },
      ...fields,
    });
  }
  return out;
}

/** The model's record of a new instance. */
export function modelInstance(i: Ec2Instance): ModelInstance {
  return {
    ...withoutUndefined(i),
    tags: { ...i.tags },
    rootDeviceType: i.rootDeviceType ?? 'ebs',
    hibernationConfigured: i.hibernationConfigured ?? false,
    instanceType: i.instanceType ?? 't3.micro',
    availabilityZone: i.availabilityZone ?? 'us-east-1a',
    platformDetails: i.platformDetails ?? 'Linux/UNIX',
    transitionReason: '',
  };
}

/** A copy of what a test may read of an instance (defaults filled in). */
export function snapshot(i: Readonly<ModelInstance>): Ec2Instance {
  const fields: Partial<ModelInstance> = { ...withoutUndefined(i), tags: { ...i.tags } };
  delete fields.transitionReason;
  delete fields.settleAt;
  return fields as Ec2Instance;
}

/** Fields a patch may clear by passing undefined; the others keep their value then. */
const CLEARABLE = new Set([
  'lifecycle',
  'describedHibernation',
  'stateReason',
  'bounce',
  'pendingMs',
]);

/** Applies `patch` (all but state and tags, which the model handles) to `i`. */
export function patchInstance(
  i: ModelInstance,
  patch: Partial<Omit<Ec2Instance, 'instanceId' | 'state' | 'tags'>>,
): void {
  const target = i as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) target[key] = value;
    else if (CLEARABLE.has(key)) delete target[key];
  }
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
