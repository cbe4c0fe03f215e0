/**
 * The fake's read calls over its model: `DescribeAutoScalingGroups` (names, or the tag filters
 * `tag:<key>`, `tag-key`, `tag-value`; MaxRecords 50 by default, at most 100), `DescribeTags`
 * (filters `auto-scaling-group`, `key`, `value`, `propagate-at-launch`; 50, at most 100) and
 * `DescribeScalingActivities` (one group, or activity ids; newest first; 100, at most 100), each
 * paged with an opaque NextToken, as the API Reference describes them.
 */
import { type Activity, AutoScalingError, type GroupTag, type ModelGroup } from './groups';
import type { AutoScalingModel } from './model';

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export interface Page {
  readonly maxRecords?: number;
  readonly nextToken?: string;
}

/** A tag with the group it is on, as `DescribeTags` answers it. */
export type TagDescription = GroupTag & { readonly resourceId: string };

export function describeGroups(
  model: AutoScalingModel,
  request: Page & { readonly names: readonly string[]; readonly filters: readonly Filter[] },
): { items: ModelGroup[]; nextToken?: string } {
  const groups = [...model.groups.values()]
    .filter((g) => request.names.length === 0 || request.names.includes(g.name))
    .filter((g) => request.filters.every((f) => groupMatches(g, f)))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  return page(groups, request, 50, (g) => g.name);
}

export function describeTags(
  model: AutoScalingModel,
  request: Page & { readonly filters: readonly Filter[] },
): { items: TagDescription[]; nextToken?: string } {
  const tags = [...model.groups.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((g) => [...g.tags.values()].map((t) => ({ ...t, resourceId: g.name })))
    .filter((t) => request.filters.every((f) => tagMatches(t, f)));
  return page(tags, request, 50, (t) => `${t.resourceId}\n${t.key}`);
}

export function describeActivities(
  model: AutoScalingModel,
  request: Page & { readonly groupName?: string; readonly activityIds: readonly string[] },
): { items: Activity[]; nextToken?: string } {
  const { groupName, activityIds } = request;
  if (groupName !== undefined && !model.groups.has(groupName)) return { items: [] };
  const activities = model.activities.filter(
    (a) =>
      (groupName === undefined || a.groupName === groupName) &&
      (activityIds.length === 0 || activityIds.includes(a.activityId)),
  );
  return page(activities, request, 100, (a) => a.activityId);
}

function groupMatches(g: ModelGroup, f: Filter): boolean {
  const tags = [...g.tags.values()];
  if (f.name === 'tag-key') return tags.some((t) => f.values.includes(t.key));
  if (f.name === 'tag-value') return tags.some((t) => f.values.includes(t.value));
  if (f.name.startsWith('tag:')) {
    const tag = g.tags.get(f.name.slice(4));
    return tag !== undefined && f.values.includes(tag.value);
  }
  throw new AutoScalingError('ValidationError', `Filter name '${f.name}' is invalid`);
}

function tagMatches(t: TagDescription, f: Filter): boolean {
  switch (f.name) {
    case 'auto-scaling-group':
      return f.values.includes(t.resourceId);
    case 'key':
      return f.values.includes(t.key);
    case 'value':
      return f.values.includes(t.value);
    case 'propagate-at-launch':
      return f.values.includes(String(t.propagateAtLaunch ?? false));
    default:
      throw new AutoScalingError('ValidationError', `Filter name '${f.name}' is invalid`);
  }
}

/** One page of `items`: after the token's item, at most MaxRecords (default `fallback`, max 100). */
function page<T>(
  items: readonly T[],
  { maxRecords, nextToken }: Page,
  fallback: number,
  keyOf: (item: T) => string,
): { items: T[]; nextToken?: string } {
  const max = maxRecords ?? fallback;
  if (!Number.isInteger(max) || max < 1 || max > 100) {
    throw new AutoScalingError(
      'ValidationError',
      `1 validation error detected: Value '${max}' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100`,
    );
  }
  let start = 0;
  if (nextToken !== undefined) {
    const after = Buffer.from(nextToken, 'base64').toString('utf8');
    start = items.findIndex((item) => keyOf(item) === after) + 1;
    if (start === 0) throw new AutoScalingError('InvalidNextToken', 'The token is invalid.');
  }
  const out = items.slice(start, start + max);
  const more = start + max < items.length;
  return more
    ? { items: out, nextToken: Buffer.from(keyOf(out[out.length - 1])).toString('base64') }
    : { items: out };
}
