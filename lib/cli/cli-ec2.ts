/**
 * The EC2 calls of the operator commands (`status`, `override`, `coverage`). The client takes Region,
 * credentials, endpoint (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`) and retry (`AWS_RETRY_MODE`,
 * `AWS_MAX_ATTEMPTS`; the SDK's standard retry strategy unless they say otherwise) from the SDK's
 * standard configuration: environment, shared config files, `AWS_PROFILE`. Nothing is hard-coded.
 */
import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  paginateDescribeInstances,
  type Filter,
  type Instance,
} from '@aws-sdk/client-ec2';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsCallError, UsageError } from '../common/cli-errors';
import { DEFAULT_SPOKE_ROLE_NAME, spokeRoleArn, spokeRoleNameFor } from '../contract/spoke-arn';
import { assumeSpokeRole } from '../sdk/spoke-session';
import { ACCOUNT_ID, REGION_NAME, ROLE_NAME } from '../common/aws-ids';

/** Most instances one DescribeInstances page holds (EC2's limit on MaxResults). */
const PAGE_SIZE = 1000;

/** Clients' HTTP settings: a dead connection fails (and is retried), never hangs. */
export const CLI_HTTP = {
  connectionTimeout: 5_000,
  requestTimeout: 60_000,
  throwOnRequestTimeout: true,
};

/** The flags that point the operator commands at a hub's target. */
export const TARGET_OPTIONS = {
  account: { type: 'string' },
  region: { type: 'string' },
  'role-name': { type: 'string' },
} as const;

/**
 * The role `--account` assumes for the commands that only describe (`status`, `coverage`): the
 * spoke start role, which may describe instances. Either spoke role may; the start role's other
 * power (starting a scheduled instance) does less harm than the stop role's, should your operators
 * be added to its trust for this.
 */
export const DESCRIBE_ROLE_NAME = spokeRoleNameFor(DEFAULT_SPOKE_ROLE_NAME, 'start');

/** The target flags' help for the commands that only describe (`status`, `coverage`). */
export const TARGET_USAGE = `  --account         a hub's target account: act there through a role (STS AssumeRole)
  --region          the Region to act in (default: the SDK's, e.g. AWS_REGION)
  --role-name       the role to assume in --account (default ${DESCRIBE_ROLE_NAME}, the spoke
                    role of the hub's start function, which may describe instances; with the
                    hub's spokeRoleName NAME, give NAME-start)`;

/** The target flags' help for `override`, which writes a tag the spoke roles may not write. */
export const OVERRIDE_TARGET_USAGE = `  --account         a hub's target account: write the tag there through --role-name
  --region          the Region to act in (default: the SDK's, e.g. AWS_REGION)
  --role-name       with --account, required: a role in that account that may write the
                    override tag (ec2:DescribeInstances, and ec2:CreateTags and ec2:DeleteTags
                    on the instances); the spoke roles may write only the audit tag`;

/** What a command does in a target: only describe, or write the override tag. */
export type TargetUse = 'describe' | 'override';

/** The flags of `TARGET_OPTIONS`, as a command reads them. */
export interface TargetFlags {
  readonly account?: string;
  readonly region?: string;
  readonly 'role-name'?: string;
}

/**
 * The target the flags name, for a command that does `use` there.
 * @throws UsageError for a malformed account, Region or role name, or `override --account`
 * without `--role-name`
 */
export function targetOf(flags: TargetFlags, use: TargetUse = 'describe'): Ec2Target {
  const { account, region } = flags;
  const roleName = flags['role-name'];
  if (account !== undefined && !ACCOUNT_ID.test(account)) {
    throw new UsageError(`--account "${account}" is not an AWS account id; give its 12 digits`);
  }
  if (region !== undefined && !REGION_NAME.test(region)) {
    throw new UsageError(`--region "${region}" is not an AWS Region such as eu-west-1`);
  }
  if (roleName !== undefined && (account === undefined || !ROLE_NAME.test(roleName))) {
    throw new UsageError(
      `--role-name "${roleName}" needs --account and 1-64 letters, digits or + = , . @ _ -`,
    );
  }
  if (use === 'override' && account !== undefined && roleName === undefined) {
    throw new UsageError(
      `override --account ${account} needs --role-name: the spoke roles may write only the audit tag (<tag key>:last-action), not the override tag (<tag key>:override); name a role in ${account} that may (ec2:DescribeInstances, and ec2:CreateTags and ec2:DeleteTags with aws:TagKeys = <tag key>:override)`,
    );
  }
  return { account, region, roleName };
}

/** Where a command acts: by default the standard configuration's account and Region. */
export interface Ec2Target {
  /** A hub's target account: the command assumes `roleName` there. */
  readonly account?: string;
  readonly region?: string;
  /** The role to assume in `account`. @default DESCRIBE_ROLE_NAME */
  readonly roleName?: string;
}

/**
 * A client from the standard configuration; a dead connection fails (and is retried), never
 * hangs. With `target.account`, its credentials are those of `target.roleName` there (STS
 * AssumeRole with the standard configuration's credentials, session `cdk-ec2-scheduler-cli`).
 */
export function makeEc2Client(target: Ec2Target = {}): EC2Client {
  return new EC2Client(clientSettings(target));
}

/**
 * The settings every client of a command in `target` shares: the HTTP timeouts, `--region`, and
 * with `--account` one credentials provider (one AssumeRole, however many clients use it). The
 * rest (endpoint, retry, Region otherwise) comes from the SDK's standard configuration.
 */
export function clientSettings(target: Ec2Target = {}) {
  const { account, region } = target;
  return {
    requestHandler: CLI_HTTP,
    ...(region ? { region } : {}),
    ...(account ? { credentials: spokeCredentials(account, target.roleName, region) } : {}),
  };
}

function spokeCredentials(account: string, roleName = DESCRIBE_ROLE_NAME, region?: string) {
  let assumed: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    const sts = new STSClient({ requestHandler: CLI_HTTP, ...(region ? { region } : {}) });
    const roleArn = spokeRoleArn(account, region, roleName);
    try {
      return await assumeSpokeRole(sts, roleArn, 'cdk-ec2-scheduler-cli');
    } catch (err) {
      const failed = AwsCallError.of(`AssumeRole of ${roleArn}`, err);
      if (failed.code !== 'AccessDenied') throw failed;
      throw new AwsCallError(
        failed.operation,
        failed.code,
        `${(err as Error).message}; check that the role exists in ${account} and trusts the credentials in use, or give another with --role-name`,
      );
    } finally {
      sts.destroy();
    }
  };
  return () => (assumed ??= assume());
}

/**
 * Runs `fn` with an EC2 client for `target` and the client's Region; the client is closed after.
 * @throws Error when no Region is configured; whatever `fn` throws
 */
export async function withEc2<T>(
  target: Ec2Target,
  fn: (ec2: EC2Client, region: string) => Promise<T>,
): Promise<T> {
  const ec2 = makeEc2Client(target);
  try {
    return await fn(ec2, await regionOf(ec2));
  } finally {
    ec2.destroy();
  }
}

/**
 * The client's Region.
 * @throws Error saying how to configure one, when none is
 */
export async function regionOf(ec2: EC2Client): Promise<string> {
  let region: string | undefined;
  try {
    region = await ec2.config.region();
  } catch {
    region = undefined;
  }
  if (!region) {
    throw new Error(
      'no AWS Region is configured; set AWS_REGION, or the region of the profile in AWS_PROFILE',
    );
  }
  return region;
}

/** A filter value that matches itself only: EC2 reads `*` and `?` as wildcards. */
function literal(value: string): string {
  return value.replace(/[\\*?]/g, '\\$&');
}

function instancesOf(page: { Reservations?: { Instances?: Instance[] }[] }): Instance[] {
  return (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.InstanceId);
}

/** What DescribeInstances listed: the instances, and the account that owns them. */
export interface Listing {
  readonly instances: Instance[];
  /** The reservations' owner; undefined when nothing was listed. */
  readonly ownerId?: string;
}

/**
 * Every instance matching all of `filters`, in pages of up to 1,000.
 * @throws AwsCallError when a call fails (after the SDK's retries)
 */
export async function listInstances(ec2: EC2Client, filters: Filter[]): Promise<Listing> {
  const instances: Instance[] = [];
  let ownerId: string | undefined;
  try {
    const pages = paginateDescribeInstances(
      { client: ec2, pageSize: PAGE_SIZE },
      { Filters: filters },
    );
    for await (const page of pages) {
      instances.push(...instancesOf(page));
      ownerId ??= page.Reservations?.find((r) => r.OwnerId)?.OwnerId;
    }
  } catch (err) {
    throw AwsCallError.of('DescribeInstances', err);
  }
  return { instances, ...(ownerId ? { ownerId } : {}) };
}

/**
 * Every instance carrying the tag `tagKey` (with the value `schedule`, if given).
 * @throws AwsCallError when a call fails (after the SDK's retries)
 */
export async function listTagged(
  ec2: EC2Client,
  tagKey: string,
  schedule?: string,
): Promise<Instance[]> {
  const filter =
    schedule === undefined
      ? { Name: 'tag-key', Values: [literal(tagKey)] }
      : { Name: `tag:${tagKey}`, Values: [literal(schedule)] };
  return (await listInstances(ec2, [filter])).instances;
}

/**
 * The instances with these ids (at most 1,000).
 * @throws AwsCallError when the call fails, e.g. with `InvalidInstanceID.NotFound`
 */
export async function describeIds(ec2: EC2Client, ids: readonly string[]): Promise<Instance[]> {
  const out: Instance[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [...ids], NextToken: nextToken }),
      );
      out.push(...instancesOf(page));
      nextToken = page.NextToken || undefined;
    } while (nextToken);
  } catch (err) {
    throw AwsCallError.of('DescribeInstances', err);
  }
  return out;
}

/** Sets one tag on instances (at most 1,000). */
export async function createTag(
  ec2: EC2Client,
  ids: readonly string[],
  key: string,
  value: string,
): Promise<void> {
  try {
    await ec2.send(
      new CreateTagsCommand({ Resources: [...ids], Tags: [{ Key: key, Value: value }] }),
    );
  } catch (err) {
    throw AwsCallError.of('CreateTags', err);
  }
}

/** Deletes one tag from instances (at most 1,000), whatever its value. */
export async function deleteTag(
  ec2: EC2Client,
  ids: readonly string[],
  key: string,
): Promise<void> {
  try {
    await ec2.send(new DeleteTagsCommand({ Resources: [...ids], Tags: [{ Key: key }] }));
  } catch (err) {
    throw AwsCallError.of('DeleteTags', err);
  }
}

/** The value of a tag of an instance. */
export function tagOf(instance: Instance, key: string): string | undefined {
  return instance.Tags?.find((t) => t.Key === key)?.Value;
}
