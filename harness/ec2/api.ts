/**
 * The calls the fake EC2 answers, as its model takes them: decoded from the Query API's form
 * fields by the loopback endpoint (`wire.ts`), or from the SDK's command input by the in-process
 * front end (`in-process.ts`). Whatever either front end is given goes through the same model.
 */
import type { InstanceStateName, ModelInstance } from './instances';

export type Ec2Action =
  'DescribeInstances' | 'StartInstances' | 'StopInstances' | 'CreateTags' | 'DeleteTags';

export const EC2_ACTIONS: readonly Ec2Action[] = [
  'DescribeInstances',
  'StartInstances',
  'StopInstances',
  'CreateTags',
  'DeleteTags',
];

export function isEc2Action(action: string): action is Ec2Action {
  return (EC2_ACTIONS as readonly string[]).includes(action);
}

/** One DescribeInstances filter: `name` matches any of `values` (`*` and `?` are wildcards). */
export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export interface DescribeRequest {
  readonly action: 'DescribeInstances';
  readonly instanceIds: readonly string[];
  readonly filters: readonly Filter[];
  readonly maxResults?: number;
  readonly nextToken?: string;
}

export interface StateChangeRequest {
  readonly action: 'StartInstances' | 'StopInstances';
  readonly instanceIds: readonly string[];
  /** StopInstances only. */
  readonly hibernate?: boolean;
}

export interface CreateTagsRequest {
  readonly action: 'CreateTags';
  readonly resourceIds: readonly string[];
  readonly tags: readonly Tag[];
}

/** DeleteTags: a tag without a value goes whatever its value; no tags: every tag but `aws:` ones. */
export interface DeleteTagsRequest {
  readonly action: 'DeleteTags';
  readonly resourceIds: readonly string[];
  readonly tags: readonly { readonly key: string; readonly value?: string }[];
}

export type Ec2Request =
  DescribeRequest | StateChangeRequest | CreateTagsRequest | DeleteTagsRequest;

/** The ids a request names: instance ids, or the resource ids of CreateTags and DeleteTags. */
export function idsOf(request: Ec2Request): readonly string[] {
  return 'resourceIds' in request ? request.resourceIds : request.instanceIds;
}

export interface DescribeResponse {
  readonly action: 'DescribeInstances';
  /** The page, in id order (read only: the model's own records). */
  readonly instances: readonly Readonly<ModelInstance>[];
  readonly nextToken?: string;
}

export interface StateChange {
  readonly instanceId: string;
  readonly current: InstanceStateName;
  readonly previous: InstanceStateName;
}

export interface StateChangeResponse {
  readonly action: 'StartInstances' | 'StopInstances';
  readonly changes: readonly StateChange[];
}

export interface TagsResponse {
  readonly action: 'CreateTags' | 'DeleteTags';
}

export type Ec2Response = DescribeResponse | StateChangeResponse | TagsResponse;
