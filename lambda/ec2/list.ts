/** The one way the handlers find a schedule's instances: DescribeInstances by tag and state. */
import { DescribeInstancesCommand, EC2Client, Filter, Instance } from '@aws-sdk/client-ec2';
import type { CallRunner } from '../run/clients';

export interface ListOptions {
  readonly ec2: EC2Client;
  readonly tagKey: string;
  readonly schedule: string;
  readonly states: readonly string[];
  /** Runs one API call (the run counts calls and bounds each by its deadline). */
  readonly call: CallRunner;
}

/** Most instances one DescribeInstances page holds (EC2's limit on MaxResults). */
const MAX_PAGE = 1000;

/** EC2 refuses a call with more filter values than this, over all its filters (FilterLimitExceeded). */
const MAX_FILTER_VALUES = 200;

/**
 * EC2 reads `*` and `?` in filter values as wildcards; a backslash makes them literal. Schedule
 * names cannot hold them, and the event is checked against the deployment's names, so this only
 * guarantees that a filter value never matches more than itself.
 */
export function literalFilterValue(value: string): string {
  return value.replace(/[\\*?]/g, '\\$&');
}

/** How many ids one look by id takes: EC2's filter limit, less the tag value and the states. */
export function idsPerLook(states: number): number {
  return MAX_FILTER_VALUES - 1 - states;
}

function filters(options: ListOptions): Filter[] {
  return [
    { Name: `tag:${options.tagKey}`, Values: [literalFilterValue(options.schedule)] },
    { Name: 'instance-state-name', Values: [...options.states] },
  ];
}

function instancesOf(page: { Reservations?: { Instances?: Instance[] }[] }): Instance[] {
  return (page.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .filter((i) => i.InstanceId !== undefined);
}

/**
 * The instances tagged `<tagKey>=<schedule>` in one of `states`, a page (up to 1,000) at a time.
 * A caller that stops iterating makes no further call.
 */
export async function* listInstances(options: ListOptions): AsyncGenerator<Instance[]> {
  let nextToken: string | undefined;
  do {
    const page = await options.call((httpOptions) =>
      options.ec2.send(
        new DescribeInstancesCommand({
          Filters: filters(options),
          MaxResults: MAX_PAGE,
          NextToken: nextToken,
        }),
        httpOptions,
      ),
    );
    yield instancesOf(page);
    nextToken = page.NextToken || undefined;
  } while (nextToken);
}

/**
 * Those of `ids` still tagged `<tagKey>=<schedule>` and in one of `states` (matching), and the
 * others (gone: re-tagged, untagged, in another state, or terminated). Looked up with an
 * `instance-id` filter next to the tag and state filters, as many ids per call as EC2's filter
 * limit leaves room for; before each call after the first, `haveTime` says whether to go on
 * (notLooked: the ids it did not get to).
 */
export async function describeStillMatching(
  options: ListOptions & { readonly ids: readonly string[]; readonly haveTime: () => boolean },
): Promise<{ matching: Instance[]; gone: string[]; notLooked: string[] }> {
  const perCall = idsPerLook(options.states.length);
  const out: Instance[] = [];
  let i = 0;
  for (; i < options.ids.length; i += perCall) {
    if (i > 0 && !options.haveTime()) break;
    const Values = options.ids.slice(i, i + perCall);
    let nextToken: string | undefined;
    do {
      const page = await options.call((httpOptions) =>
        options.ec2.send(
          new DescribeInstancesCommand({
            Filters: [...filters(options), { Name: 'instance-id', Values }],
            MaxResults: MAX_PAGE,
            NextToken: nextToken,
          }),
          httpOptions,
        ),
      );
      out.push(...instancesOf(page));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
  }
  const seen = new Set(out.map((instance) => instance.InstanceId));
  return {
    matching: out,
    gone: options.ids.slice(0, i).filter((id) => !seen.has(id)),
    notLooked: options.ids.slice(i),
  };
}
