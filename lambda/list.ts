/** The one way the handlers find a schedule's instances: DescribeInstances by tag and state. */
import { DescribeInstancesCommand, EC2Client, Instance } from '@aws-sdk/client-ec2';
import { MAX_BATCH } from './pacer';

export interface ListOptions {
  readonly ec2: EC2Client;
  readonly tagKey: string;
  readonly schedule: string;
  readonly states: readonly string[];
  /** Runs one API call (the run counts calls and bounds each by its deadline). */
  readonly call: <T>(fn: (abortSignal: AbortSignal) => Promise<T>) => Promise<T>;
}

/**
 * The instances tagged `<tagKey>=<schedule>` in one of `states`, a page (up to 1,000) at a time.
 * A caller that stops iterating makes no further call.
 */
export async function* listInstances(options: ListOptions): AsyncGenerator<Instance[]> {
  let nextToken: string | undefined;
  do {
    const page = await options.call((abortSignal) =>
      options.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: `tag:${options.tagKey}`, Values: [options.schedule] },
            { Name: 'instance-state-name', Values: [...options.states] },
          ],
          MaxResults: MAX_BATCH,
          NextToken: nextToken,
        }),
        { abortSignal },
      ),
    );
    yield (page.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.InstanceId !== undefined);
    nextToken = page.NextToken || undefined;
  } while (nextToken);
}
