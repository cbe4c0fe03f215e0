/**
 * EC2's rules for one call: which ids, tags, filters' page sizes and states it refuses, with
 * EC2's words, and its pagination tokens.
 */
import type { Tag } from './api';
import { Ec2Error, hibernationNotConfigured, incorrectState, malformed, notFound } from './errors';
import type { ModelInstance } from './instances';

const ID_RE = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const RESOURCE_ID_RE = /^[a-z]+(?:-[a-z]+)*-[0-9a-f]+$/;
/** Most tags one resource carries. */
export const MAX_TAGS = 50;

/** `ids` without repeats, each well formed and known (`has`). */
export function knownIds(ids: readonly string[], has: (id: string) => boolean): string[] {
  const distinct = unique(ids);
  const bad = distinct.find((id) => !ID_RE.test(id));
  if (bad !== undefined) throw malformed(bad);
  const missing = distinct.filter((id) => !has(id));
  if (missing.length > 0) throw notFound(missing);
  return distinct;
}

/** CreateTags and DeleteTags name at least one resource. */
export function requireResources(resourceIds: readonly string[]): void {
  if (resourceIds.length === 0) {
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
  }
}

/** CreateTags and DeleteTags take resource ids of any kind; this fake has instances only. */
export function checkResourceIds(ids: readonly string[]): void {
  for (const id of ids) {
    if (!RESOURCE_ID_RE.test(id)) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
    if (!id.startsWith('i-')) {
      throw new Ec2Error('InvalidID', `The ID '${id}' is not valid (this fake only has instances)`);
    }
  }
}

export function checkMaxResults(
  maxResults: number | undefined,
  instanceIds: readonly string[],
): void {
  if (maxResults !== undefined) {
    if (!Number.isInteger(maxResults) || maxResults < 5 || maxResults > 1000) {
      throw new Ec2Error(
        'InvalidParameterValue',
        `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
      );
    }
    if (instanceIds.length > 0) {
      throw new Ec2Error(
        'InvalidParameterCombination',
        'The parameter instancesSet cannot be used with the parameter maxResults',
      );
    }
  }
}

export function checkStart(i: ModelInstance): void {
  if (i.state === 'stopping' || i.state === 'shutting-down' || i.state === 'terminated') {
    throw incorrectState(i.instanceId, 'StartInstances');
  }
}

export function checkStop(i: ModelInstance, hibernate: boolean): void {
  const id = i.instanceId;
  if (i.rootDeviceType === 'instance-store') {
    throw new Ec2Error(
      'UnsupportedOperation',
      `The instance '${id}' does not have an 'ebs' root device type and cannot be stopped.`,
    );
  }
  if (i.lifecycle === 'scheduled') {
    throw new Ec2Error(
      'UnsupportedOperation',
      `The instance '${id}' is a Scheduled Instance and cannot be stopped.`,
    );
  }
  if (i.lifecycle === 'spot') {
    throw new Ec2Error(
      'UnsupportedOperation',
      `You can't stop the Spot Instance '${id}' because it is associated with a one-time Spot Instance request. You can only stop Spot Instances associated with persistent Spot Instance requests.`,
    );
  }
  if (hibernate && !i.hibernationConfigured) throw hibernationNotConfigured(id);
  if (i.state === 'pending' || i.state === 'shutting-down' || i.state === 'terminated') {
    throw incorrectState(id, 'StopInstances');
  }
}

/** DeleteTags' keys, as EC2 checks them. */
export function checkDeleteKeys(keys: readonly { readonly key: string }[]): void {
  for (const { key } of keys) {
    if (key.toLowerCase().startsWith('aws:')) throw reservedKey();
    if (key.length === 0 || key.length > 128) {
      throw new Ec2Error('InvalidParameterValue', `Tag '${key}' has an invalid key length`);
    }
  }
}

function reservedKey(): Ec2Error {
  return new Ec2Error(
    'InvalidParameterValue',
    "Tag keys starting with 'aws:' are reserved for internal use",
  );
}

/** CreateTags' tags, as EC2 checks them. */
export function tagsOf(list: readonly Tag[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const { key, value } of list) {
    if (key.toLowerCase().startsWith('aws:')) throw reservedKey();
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
  return tags;
}

export function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

export function gmtStamp(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} GMT`;
}

export function encodeToken(afterId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterId }), 'utf8').toString('base64url');
}

export function decodeToken(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'after' in parsed) {
      if (typeof parsed.after === 'string') return parsed.after;
    }
  } catch {
    // fall through
  }
  throw new Ec2Error(
    'InvalidPaginationToken',
    'The specified pagination token is not valid or is expired.',
  );
}
