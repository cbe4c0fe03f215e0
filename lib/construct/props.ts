/**
 * The public options of an Ec2Scheduler and of each schedule it holds. Their defaults are
 * written once, in `resolve-props.ts`.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Ec2SchedulerTargets } from '../hub/targets-props';
import type { AutoScalingGroupSize } from './group-fallback-size';

/** Properties of an {@link Ec2Scheduler}. */
export interface Ec2SchedulerProps {
  /**
   * The tag key that opts an instance in; its value names the schedule.
   * @default 'Schedule'
   */
  readonly tagKey?: string;

  /**
   * IANA time zone for every schedule that does not set its own.
   * @default 'UTC'
   */
  readonly timeZone?: string;

  /**
   * KMS keys that encrypt the instances' EBS volumes. The start function may create grants on
   * them (for AWS resources only); without this, starts of such instances fail.
   * @default - no KMS permissions
   */
  readonly encryptionKeys?: kms.IKey[];

  /**
   * Run every schedule without starting or stopping anything: the functions log and return
   * what they would do.
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * How long the functions' logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * KMS key that encrypts the functions' log groups. A `kms.Key` of the same stack gets a key
   * policy statement that lets CloudWatch Logs use it for these two log groups only; for any other
   * key, allow that yourself (synth warns), or CloudWatch Logs cannot create the log groups.
   * @default - the key created here (rotation on), which also encrypts the alarm topic created here
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * VPC to run the functions in. They then need a route to the APIs they call: a NAT gateway, or
   * interface VPC endpoints for `ec2`, `lambda`, `autoscaling`, `eks` and `tagging` (every run
   * looks for Auto Scaling groups and EKS node groups; without a route, its listing fails and the
   * invocation fails after the instances are done), and `sts` for a hub. CloudWatch Logs needs
   * none: the Lambda service, not the function, writes the logs.
   * @default - the functions run outside a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for the functions; only with `vpc`.
   * @default - the VPC's default selection: its private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the functions; only with `vpc`.
   * @default - one security group created here that allows outbound HTTPS and nothing else
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Timeout of each function run. Work a run cannot finish in time is handed to a follow-up run.
   * @default - 15 minutes
   */
  readonly timeout?: Duration;

  /**
   * Lambda runtime of the start and stop functions.
   *
   * A Node.js runtime, 24 or later (the shipped bundles are built for Node.js 24). Pin one to keep
   * the runtime when you upgrade aws-cdk-lib.
   * @default - the newest Node.js runtime your aws-cdk-lib knows (`lambda.Runtime.ALL`): nodejs24.x
   * with aws-cdk-lib 2.269.0, nodejs26.x with 2.278.0; the same in every Region
   */
  readonly runtime?: lambda.Runtime;

  /**
   * How many times EventBridge Scheduler retries delivering an invocation before the event goes
   * to the dead-letter queue.
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge Scheduler keeps trying to deliver an invocation.
   * @default - 1 hour
   */
  readonly maxEventAge?: Duration;

  /**
   * CloudWatch namespace of the functions' metrics.
   * @default 'Ec2Scheduler'
   */
  readonly metricsNamespace?: string;

  /**
   * Where alarms are sent.
   * @default - a topic created here, encrypted with a KMS key of its own and SSL-only
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Email addresses subscribed to the alarm topic created here (ignored with `alarmTopic`).
   * Each address gets a confirmation email from SNS.
   * @default - no subscriptions
   */
  readonly notificationEmails?: string[];

  /**
   * Create a CloudWatch dashboard (dashboards cost money).
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * Tag each instance the functions start or stop with `<tagKey>:last-action`, e.g.
   * `stopped 2026-11-27T17:00:03Z by office-hours`.
   * @default true
   */
  readonly auditTags?: boolean;

  /**
   * After starting instances, follow them this long until they are running, so a start that EC2
   * accepts and then undoes (e.g. a missing KMS grant) is reported as failed. Must be shorter
   * than `timeout`; a duration of 0 seconds turns verification off.
   * @default - 3 minutes, or half the `timeout` when that is shorter
   */
  readonly verifyTimeout?: Duration;

  /**
   * Longest an override tag (`<tagKey>:override` = `running until <time>` or `stopped until
   * <time>`) may reach ahead. An override whose time is further away is ignored with a warning
   * and counted in the `OverridesIgnored` metric, so a forgotten override cannot hold an instance
   * for weeks. From 1 minute to 366 days.
   * @default - 7 days
   */
  readonly maxOverride?: Duration;

  /**
   * How often the check of a schedule with `enforce` on runs: it stops instances found running
   * outside the schedule's running window. From 5 minutes to 1 day, in whole minutes.
   * @default - 1 hour
   */
  readonly enforceEvery?: Duration;

  /**
   * Act in other accounts and Regions: the stack becomes a hub. In each target account the start
   * function assumes the spoke role `<spokeRoleName>-start` and the stop function
   * `<spokeRoleName>-stop`, each holding only its own action. With `organizationalUnitIds`, the
   * construct rolls the spoke roles out by a service-managed CloudFormation StackSet; for listed
   * `accounts`, deploy `Ec2SchedulerSpokeRole` in each.
   * @default - the functions act in the stack's own account and Region only
   */
  readonly targets?: Ec2SchedulerTargets;

  /**
   * Base name of the spoke roles in every target account (only with `targets`): they are
   * `<spokeRoleName>-start` and `<spokeRoleName>-stop`. The functions' roles get the fixed names
   * `<spokeRoleName>-hub-start` and `<spokeRoleName>-hub-stop`, which the spoke roles trust by
   * ARN; so at most 54 characters of letters, digits and `+=,.@_-`.
   * @default 'ec2-scheduler-spoke'
   */
  readonly spokeRoleName?: string;

  /**
   * The AWS Organizations id (`o-...`) of the targets' organization (only with `targets`). The spoke
   * roles then also require `aws:PrincipalOrgID`, and the functions may assume spoke roles in the
   * OUs of `targets.organizationalUnitIds` only within this organization.
   * @default - not pinned: the functions may assume spoke roles in accounts whose organization path
   * contains one of the OU ids (OU ids are unique within an organization only)
   */
  readonly organizationId?: string;

  /**
   * The hub's account is a delegated administrator for CloudFormation StackSets, not the
   * organization's management account: the spoke StackSet (for `targets.organizationalUnitIds`) is
   * created with `CallAs: DELEGATED_ADMIN`.
   * @default false - the hub is in the management account (`CallAs: SELF`)
   */
  readonly delegatedAdministrator?: boolean;

  /**
   * Also create an AWS Config rule (the managed REQUIRED_TAGS check) that marks every EC2 instance
   * NON_COMPLIANT whose `<tagKey>` is missing or names no schedule of this scheduler, and send its
   * compliance changes to `alarmTopic`. Needs an AWS Config recorder recording
   * `AWS::EC2::Instance`. In a hub (`targets`), it covers the hub's own account and Region only.
   * @default false
   */
  readonly coverage?: boolean;

  /**
   * Run each scheduled event once, however often it is delivered (Lambda may deliver an
   * asynchronous event twice; two schedules may fire at the same minute): the functions record
   * each run in a DynamoDB table created here (on demand, records kept 24 hours), and a duplicate
   * does nothing. If the table cannot be reached, the run goes ahead. With `false`: no table, and
   * a duplicate delivery runs again (safe, but it doubles the work and the metrics).
   * @default true
   */
  readonly deduplication?: boolean;
}

/** Options of one named schedule. */
export interface ScheduleOptions {
  /**
   * When to start instances: an EventBridge cron expression read in the schedule's time zone.
   * @default - the schedule never starts instances (stop-only)
   */
  readonly start?: string;

  /**
   * When to stop instances: an EventBridge cron expression read in the schedule's time zone.
   * @default - the schedule never stops instances (start-only)
   */
  readonly stop?: string;

  /**
   * More start times, as EventBridge cron expressions, besides `start` (which must be given):
   * each gets its own EventBridge Scheduler schedule. At most 9.
   * @default - none
   */
  readonly additionalStarts?: string[];

  /**
   * More stop times besides `stop` (which must be given), e.g. a 22:00 daily stop for whatever
   * someone started in the evening, beside the weekday 18:00 stop. At most 9.
   * @default - none
   */
  readonly additionalStops?: string[];

  /**
   * Also check every `enforceEvery` (a schedule of its own) and stop instances found running
   * outside the running window: after the most recent stop, or on a skip date. Inside the window
   * it does nothing, so people may stop instances during the day. Instances with a valid
   * `running until` override are left alone. Needs both a start and a stop.
   * @default false
   */
  readonly enforce?: boolean;

  /**
   * IANA time zone the expressions are read in.
   * @default - the scheduler's `timeZone`
   */
  readonly timeZone?: string;

  /**
   * Local dates (YYYY-MM-DD) on which the schedule does not start instances, e.g. holidays.
   * Stops always run.
   * @default - no skipped dates
   */
  readonly skipDates?: string[];

  /**
   * Hibernate instead of stop, for instances configured for hibernation. Others get a plain
   * stop.
   * @default false
   */
  readonly hibernate?: boolean;

  /**
   * The size a start gives an Auto Scaling group or EKS node group of this schedule that is at
   * zero and has no saved size (no `<tagKey>:size` tag, e.g. a group created at zero, or whose tag
   * was removed); the run logs that it used it. A malformed saved size still fails the group.
   * @default - such a group fails with NoSavedSize, and is left at zero
   */
  readonly groupFallbackSize?: AutoScalingGroupSize;
}

/** The EventBridge Scheduler schedules created for one named schedule. */
export interface ScheduleResources {
  /** The schedule name: the tag value that opts instances in. */
  readonly name: string;
  /** Invokes the start function. Undefined for a stop-only schedule. */
  readonly startSchedule?: scheduler.Schedule;
  /** Invokes the stop function. Undefined for a start-only schedule. */
  readonly stopSchedule?: scheduler.Schedule;
  /** One per expression in `additionalStarts`, in order. */
  readonly additionalStartSchedules: scheduler.Schedule[];
  /** One per expression in `additionalStops`, in order. */
  readonly additionalStopSchedules: scheduler.Schedule[];
  /** The enforcement check, with `enforce` on. */
  readonly enforceSchedule?: scheduler.Schedule;
}
