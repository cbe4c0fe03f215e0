/** DescribeInstances filters as EC2 reads them: wildcards, OR within a filter, AND across. */
import type { Filter } from './api';
import { Ec2Error } from './errors';
import { INSTANCE_STATE_CODES, type ModelInstance } from './instances';

/** EC2's limits on the filters of one call (`FilterLimitExceeded`). */
export const MAX_FILTER_VALUES = 200;
const MAX_FILTER_VALUE_LENGTH = 255;

export type InstancePredicate = (i: Readonly<ModelInstance>) => boolean;

/** One predicate for all of `filters`, or the error EC2 gives for them. */
export function matchFilters(filters: readonly Filter[]): InstancePredicate {
  let count = 0;
  const predicates = filters.map((f) => {
    count += f.values.length;
    if (f.values.some((v) => v.length > MAX_FILTER_VALUE_LENGTH)) {
      throw new Ec2Error(
        'FilterLimitExceeded',
        `The maximum length for a filter value is ${MAX_FILTER_VALUE_LENGTH} characters`,
      );
    }
    return filterPredicate(f.name, f.values);
  });
  if (count > MAX_FILTER_VALUES) {
    throw new Ec2Error(
      'FilterLimitExceeded',
      `The maximum number of filter values specified on a single call is ${MAX_FILTER_VALUES}`,
    );
  }
  return (i) => predicates.every((p) => p(i));
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
