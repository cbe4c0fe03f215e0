/**
 * The node groups of the fake EKS service: how a test describes one, how the model keeps it
 * (scaling config, tags, the update in progress), and the service's errors. Shapes follow the
 * Amazon EKS API Reference (2017-11-01): `Nodegroup`, `NodegroupScalingConfig`, `Update`,
 * `ErrorDetail`; error names and HTTP statuses are those of `@aws-sdk/client-eks`'s model
 * (`InvalidParameterException` 400, `ResourceNotFoundException` 404, `ResourceInUseException` 409,
 * `ThrottlingException` 429, `ServerException` 500).
 */

/** How a test describes a node group. */
export interface NodegroupSpec {
  readonly clusterName: string;
  readonly name: string;
  readonly minSize: number;
  readonly maxSize: number;
  /** Default minSize. */
  readonly desiredSize?: number;
  readonly tags?: Readonly<Record<string, string>>;
}

/** The API's `ErrorDetail`. */
export interface UpdateError {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly resourceIds: readonly string[];
}

/** The API's `Update`, for a node group's `ConfigUpdate`. */
export interface ModelUpdate {
  readonly id: string;
  readonly clusterName: string;
  readonly nodegroupName: string;
  readonly createdAt: number;
  /** When the update ends, on the model's clock. */
  readonly endsAt: number;
  status: 'InProgress' | 'Successful' | 'Failed';
  readonly params: readonly { readonly type: string; readonly value: string }[];
  errors: readonly UpdateError[];
  /** The scaling config before the update (a failed update goes back to it). */
  readonly before: ScalingConfig;
}

/** The API's `NodegroupScalingConfig`. */
export interface ScalingConfig {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
}

/** A node group as the model keeps it. */
export interface ModelNodegroup {
  readonly clusterName: string;
  readonly name: string;
  readonly arn: string;
  readonly createdAt: number;
  modifiedAt: number;
  scaling: ScalingConfig;
  readonly tags: Map<string, string>;
  /** The update in progress (status UPDATING while there is one). */
  current?: ModelUpdate;
  /** The Auto Scaling group EKS made for it, when the model has an Auto Scaling model. */
  readonly autoScalingGroup?: string;
  /** When set, the node group's next update ends Failed with these errors. */
  failNextUpdate?: readonly UpdateError[];
}

/** An error the fake answers: the SDK's error name, its message and the HTTP status. */
export class EksError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = statusOf(code),
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

function statusOf(code: string): number {
  switch (code) {
    case 'ResourceNotFoundException':
    case 'NotFoundException':
      return 404;
    case 'ResourceInUseException':
      return 409;
    case 'ThrottlingException':
      return 429;
    case 'ServerException':
      return 500;
    default:
      return 400;
  }
}

/**
 * Checks a node group's scaling config as `UpdateNodegroupConfig` does: whole numbers, maxSize at
 * least 1 (EKS refuses 0), minSize <= desiredSize <= maxSize. The last two messages are the
 * service's; the first two are this fake's own wording.
 */
export function checkScaling(s: ScalingConfig): void {
  for (const [field, n] of Object.entries(s)) {
    if (!Number.isInteger(n) || n < 0) {
      throw new EksError('InvalidParameterException', `${field} must be a whole number, 0 or more`);
    }
  }
  if (s.maxSize < 1) {
    throw new EksError('InvalidParameterException', "maxSize can't be less than 1");
  }
  if (s.minSize > s.desiredSize) {
    throw new EksError('InvalidParameterException', "minSize can't be greater than desiredSize");
  }
  if (s.desiredSize > s.maxSize) {
    throw new EksError('InvalidParameterException', "desiredSize can't be greater than maxSize");
  }
}
