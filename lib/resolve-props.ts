/**
 * An Ec2Scheduler's props checked and with every default filled in. Each default is written here
 * once; the construct and the functions it builds read only the resolved values.
 */
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { DEFAULT_MAX_OVERRIDE_SECONDS, MAX_OVERRIDE_LIMIT_SECONDS } from './schedule-input';
import { auditTagKey } from './shared-names';
import type { Ec2SchedulerProps } from './props';
import { resolveTargets, type ResolvedTargets } from './targets';
import { validateMetricsNamespace, validateTagKey, validateTimeZone } from './validation';

/** {@link Ec2SchedulerProps} with the defaults applied. */
export interface ResolvedProps {
  readonly tagKey: string;
  readonly timeZone: string;
  readonly encryptionKeys: readonly kms.IKey[];
  readonly dryRun: boolean;
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: kms.IKey;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  readonly timeout: Duration;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly metricsNamespace: string;
  readonly alarmTopic?: sns.ITopic;
  /** Subscribed to the created topic: empty with `alarmTopic`. */
  readonly notificationEmails: readonly string[];
  /** notificationEmails were given with alarmTopic, and are not subscribed. */
  readonly emailsIgnored: boolean;
  readonly dashboard: boolean;
  readonly auditTags: boolean;
  /** 0 turns verification off. */
  readonly verifyTimeoutSeconds: number;
  readonly maxOverrideSeconds: number;
  /** Minutes between enforcement checks. */
  readonly enforceEveryMinutes: number;
  /** Where a hub acts; undefined for a scheduler that acts in its own account and Region. */
  readonly targets?: ResolvedTargets;
  readonly coverage: boolean;
  readonly deduplication: boolean;
}

/** Longest verification by default, when the timeout leaves room for it. */
const DEFAULT_VERIFY_SECONDS = 180;
/** EventBridge Scheduler's limit on a target's retry attempts. */
const MAX_RETRY_ATTEMPTS = 185;

/**
 * Checks the props and applies the defaults.
 * @throws Error naming the prop, the value and the fix
 */
export function resolveProps(props: Ec2SchedulerProps): ResolvedProps {
  const tagKey = resolveTagKey(props);
  const timeout = props.timeout ?? Duration.minutes(15);
  const timeZone = props.timeZone ?? 'UTC';
  if (!Token.isUnresolved(timeZone)) validateTimeZone('', timeZone);
  const retryAttempts = props.retryAttempts ?? 3;
  if (
    !Token.isUnresolved(retryAttempts) &&
    (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_RETRY_ATTEMPTS)
  ) {
    throw new Error(
      `retryAttempts ${retryAttempts} is not allowed; give a whole number from 0 to ${MAX_RETRY_ATTEMPTS}`,
    );
  }
  if (!props.vpc && (props.vpcSubnets || props.securityGroups?.length)) {
    throw new Error(
      'vpcSubnets and securityGroups place the functions in a VPC; give vpc as well, or leave them out to run the functions outside a VPC',
    );
  }
  const metricsNamespace = props.metricsNamespace ?? 'Ec2Scheduler';
  if (!Token.isUnresolved(metricsNamespace)) validateMetricsNamespace(metricsNamespace);
  const emails = props.notificationEmails ?? [];
  if (!props.alarmTopic) emails.forEach(validateEmail);
  return {
    tagKey,
    timeZone,
    encryptionKeys: props.encryptionKeys ?? [],
    dryRun: props.dryRun ?? false,
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    logEncryptionKey: props.logEncryptionKey,
    vpc: props.vpc,
    vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
    securityGroups: props.securityGroups ?? [],
    timeout,
    retryAttempts,
    maxEventAge: props.maxEventAge ?? Duration.hours(1),
    metricsNamespace,
    alarmTopic: props.alarmTopic,
    notificationEmails: props.alarmTopic ? [] : emails,
    emailsIgnored: props.alarmTopic !== undefined && emails.length > 0,
    dashboard: props.dashboard ?? false,
    auditTags: props.auditTags ?? true,
    verifyTimeoutSeconds: resolveVerifyTimeout(props.verifyTimeout, timeout),
    maxOverrideSeconds: resolveMaxOverride(props.maxOverride),
    enforceEveryMinutes: resolveEnforceEvery(props.enforceEvery),
    targets: resolveTargets(props),
    coverage: props.coverage ?? false,
    deduplication: props.deduplication ?? true,
  };
}

function resolveTagKey(props: Ec2SchedulerProps): string {
  const tagKey = props.tagKey ?? 'Schedule';
  if (Token.isUnresolved(tagKey)) {
    throw new Error(
      'tagKey is an unresolved token; it becomes an IAM condition key, so give a literal string such as "Schedule"',
    );
  }
  validateTagKey(tagKey);
  if ((props.auditTags ?? true) && auditTagKey(tagKey).length > 128) {
    throw new Error(
      `tagKey "${tagKey}" is ${tagKey.length} characters long; the audit tag "${auditTagKey(tagKey)}" must fit in 128, so use at most 116 characters or set auditTags: false`,
    );
  }
  return tagKey;
}

function resolveVerifyTimeout(verifyTimeout: Duration | undefined, timeout: Duration): number {
  const timeoutSeconds = timeout.toSeconds();
  const seconds =
    verifyTimeout?.toSeconds() ?? Math.min(DEFAULT_VERIFY_SECONDS, Math.floor(timeoutSeconds / 2));
  if (seconds >= timeoutSeconds) {
    throw new Error(
      `verifyTimeout ${seconds} s does not fit inside the functions' timeout of ${timeoutSeconds} s; make it shorter than timeout, or Duration.seconds(0) to turn verification off`,
    );
  }
  return seconds;
}

function resolveMaxOverride(maxOverride: Duration | undefined): number {
  const seconds = (maxOverride ?? Duration.seconds(DEFAULT_MAX_OVERRIDE_SECONDS)).toSeconds();
  if (!Number.isInteger(seconds) || seconds < 60 || seconds > MAX_OVERRIDE_LIMIT_SECONDS) {
    throw new Error(
      `maxOverride ${seconds} s is not allowed; give whole seconds from 60 (1 minute) to ${MAX_OVERRIDE_LIMIT_SECONDS} (366 days), e.g. Duration.days(7)`,
    );
  }
  return seconds;
}

function resolveEnforceEvery(enforceEvery: Duration | undefined): number {
  const seconds = (enforceEvery ?? Duration.hours(1)).toSeconds();
  if (seconds % 60 !== 0 || seconds < 300 || seconds > 86_400) {
    throw new Error(
      `enforceEvery ${seconds} s is not allowed; give whole minutes from 5 minutes to 1 day, e.g. Duration.hours(1)`,
    );
  }
  return seconds / 60;
}

function validateEmail(email: string): void {
  if (!Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error(
      `notificationEmails contains "${email}", which is not an email address; give addresses like "ops@example.com"`,
    );
  }
}
