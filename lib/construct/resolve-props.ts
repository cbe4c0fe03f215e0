/**
 * An Ec2Scheduler's props checked and with every default filled in. Each default is written here
 * once; the construct and the functions it builds read only the resolved values.
 */
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import {
  ENFORCE_EVERY_MINUTES,
  LAMBDA_TIMEOUT_SECONDS,
  MAX_EVENT_AGE_SECONDS,
  OVERRIDE_REACH_SECONDS,
  RETRY_ATTEMPTS,
  VERIFY_TIMEOUT_SECONDS,
  type Range,
} from '../common/limits';
import { DEFAULT_MAX_OVERRIDE_SECONDS } from '../contract/schedule-input';
import { resolveRuntime } from './function-runtime';
import type { Ec2SchedulerProps } from './props';
import { resolveTargets, type ResolvedTargets } from '../hub/targets';
import {
  validateDerivedTagKeys,
  validateMetricsNamespace,
  validateTagKey,
  validateTimeZone,
} from '../schedule/validation';

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
  readonly runtime: lambda.Runtime;
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

/**
 * Checks the props and applies the defaults.
 * @throws Error naming the prop, the value and the fix
 */
export function resolveProps(props: Ec2SchedulerProps): ResolvedProps {
  const tagKey = resolveTagKey(props);
  const timeout = props.timeout ?? Duration.minutes(15);
  const timeoutSeconds = durationProp('timeout', timeout, TIMEOUT);
  const timeZone = props.timeZone ?? 'UTC';
  if (!Token.isUnresolved(timeZone)) validateTimeZone('', timeZone);
  const retryAttempts = props.retryAttempts ?? 3;
  const retries = RETRY_ATTEMPTS;
  if (
    !Token.isUnresolved(retryAttempts) &&
    (!Number.isInteger(retryAttempts) || retryAttempts < retries.min || retryAttempts > retries.max)
  ) {
    throw new Error(
      `retryAttempts ${retryAttempts} is not allowed; give a whole number from ${retries.min} to ${retries.max}`,
    );
  }
  const maxEventAge = props.maxEventAge ?? Duration.hours(1);
  durationProp('maxEventAge', maxEventAge, EVENT_AGE);
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
    runtime: resolveRuntime(props.runtime),
    retryAttempts,
    maxEventAge,
    metricsNamespace,
    alarmTopic: props.alarmTopic,
    notificationEmails: props.alarmTopic ? [] : emails,
    emailsIgnored: props.alarmTopic !== undefined && emails.length > 0,
    dashboard: props.dashboard ?? false,
    auditTags: props.auditTags ?? true,
    verifyTimeoutSeconds: resolveVerifyTimeout(props.verifyTimeout, timeoutSeconds),
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
  validateDerivedTagKeys(tagKey, { auditTags: props.auditTags ?? true });
  return tagKey;
}

/** How a Duration prop is read: its range in seconds, the unit it must be whole in, an example. */
interface DurationSpec extends Range {
  readonly unit: 'seconds' | 'minutes';
  /** The range in words, e.g. `1 to 900 (15 minutes)`. */
  readonly words: string;
  readonly example: string;
}

const TIMEOUT: DurationSpec = {
  ...LAMBDA_TIMEOUT_SECONDS,
  unit: 'seconds',
  words: `${LAMBDA_TIMEOUT_SECONDS.min} to ${LAMBDA_TIMEOUT_SECONDS.max} (15 minutes, Lambda's longest)`,
  example: 'Duration.minutes(15)',
};
const VERIFY: DurationSpec = {
  ...VERIFY_TIMEOUT_SECONDS,
  unit: 'seconds',
  words: `${VERIFY_TIMEOUT_SECONDS.min} (no verification) to ${VERIFY_TIMEOUT_SECONDS.max}, shorter than timeout`,
  example: 'Duration.minutes(3)',
};
const EVENT_AGE: DurationSpec = {
  ...MAX_EVENT_AGE_SECONDS,
  unit: 'seconds',
  words: `${MAX_EVENT_AGE_SECONDS.min} (1 minute) to ${MAX_EVENT_AGE_SECONDS.max} (1 day), EventBridge Scheduler's range`,
  example: 'Duration.hours(1)',
};
const MAX_OVERRIDE: DurationSpec = {
  ...OVERRIDE_REACH_SECONDS,
  unit: 'seconds',
  words: `${OVERRIDE_REACH_SECONDS.min} (1 minute) to ${OVERRIDE_REACH_SECONDS.max} (366 days)`,
  example: 'Duration.days(7)',
};
const ENFORCE_EVERY: DurationSpec = {
  min: ENFORCE_EVERY_MINUTES.min * 60,
  max: ENFORCE_EVERY_MINUTES.max * 60,
  unit: 'minutes',
  words: '5 minutes to 1 day',
  example: 'Duration.hours(1)',
};

/**
 * A Duration prop in seconds: a literal, in whole `spec.unit`, within the range.
 * @throws Error naming the prop, the value received and the range, e.g. for `Duration.millis(500)`
 * (which CDK itself cannot convert to seconds)
 */
function durationProp(prop: string, duration: Duration, spec: DurationSpec): number {
  if (duration.isUnresolved()) {
    throw new Error(
      `${prop} is an unresolved token; the functions' inputs and checks need its value at synth, so give a literal such as ${spec.example}`,
    );
  }
  const seconds = duration.toSeconds({ integral: false });
  const whole = spec.unit === 'minutes' ? seconds % 60 === 0 : Number.isInteger(seconds);
  if (!whole || seconds < spec.min || seconds > spec.max) {
    throw new Error(
      `${prop} ${seconds} s is not allowed; give whole ${spec.unit} from ${spec.words}, e.g. ${spec.example}`,
    );
  }
  return seconds;
}

function resolveVerifyTimeout(verifyTimeout: Duration | undefined, timeoutSeconds: number): number {
  const seconds =
    verifyTimeout === undefined
      ? Math.min(DEFAULT_VERIFY_SECONDS, Math.floor(timeoutSeconds / 2))
      : durationProp('verifyTimeout', verifyTimeout, VERIFY);
  if (seconds >= timeoutSeconds) {
    throw new Error(
      `verifyTimeout ${seconds} s does not fit inside the functions' timeout of ${timeoutSeconds} s; make it shorter than timeout, or Duration.seconds(0) to turn verification off`,
    );
  }
  return seconds;
}

function resolveMaxOverride(maxOverride: Duration | undefined): number {
  return maxOverride === undefined
    ? DEFAULT_MAX_OVERRIDE_SECONDS
    : durationProp('maxOverride', maxOverride, MAX_OVERRIDE);
}

function resolveEnforceEvery(enforceEvery: Duration | undefined): number {
  return durationProp('enforceEvery', enforceEvery ?? Duration.hours(1), ENFORCE_EVERY) / 60;
}

function validateEmail(email: string): void {
  if (!Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    throw new Error(
      `notificationEmails contains "${email}", which is not an email address; give addresses like "ops@example.com"`,
    );
  }
}
