import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Annotations,
  ArnFormat,
  Duration,
  Fn,
  Lazy,
  Names,
  RemovalPolicy,
  Stack,
  TimeZone,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { skippedByDaylightSaving } from './cron';
import { auditTagKey, SCHEDULED_TIME_ATTRIBUTE, ScheduleAction, SchedulerEvent } from './event';
import { alarmNames, SchedulerAlarms, SchedulerDashboard } from './monitoring';
import { previewCrons } from './preview';
import {
  validateSchedule,
  validateScheduleName,
  validateTagKey,
  validateMetricsNamespace,
  validateTimeZone,
  ValidatedSchedule,
} from './validation';

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
   * VPC to run the functions in. They then need a route to the EC2 and Lambda APIs: a NAT gateway,
   * or interface VPC endpoints for `ec2` and `lambda`. CloudWatch Logs needs none: the Lambda
   * service, not the function, writes the logs.
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
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;

  /**
   * How many times EventBridge Scheduler retries delivering an invocation before the event goes
   * to the dead-letter queue.
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * How long EventBridge Scheduler keeps trying to deliver an invocation.
   * @default Duration.hours(1)
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
   * than `timeout`; `Duration.seconds(0)` turns verification off.
   * @default - 3 minutes, or half the `timeout` when that is shorter
   */
  readonly verifyTimeout?: Duration;
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
}

/** The EventBridge Scheduler schedules created for one named schedule. */
export interface ScheduleResources {
  /** The schedule name: the tag value that opts instances in. */
  readonly name: string;
  /** Invokes the start function. Undefined for a stop-only schedule. */
  readonly startSchedule?: scheduler.Schedule;
  /** Invokes the stop function. Undefined for a start-only schedule. */
  readonly stopSchedule?: scheduler.Schedule;
}

const HANDLER_BUNDLES = ['../assets', '../../assets'];

/**
 * Starts and stops EC2 instances tagged `<tagKey>=<schedule name>` on EventBridge Scheduler
 * schedules, through one start function and one stop function shared by all its schedules.
 */
export class Ec2Scheduler extends Construct {
  /** The tag key that opts instances in. */
  public readonly tagKey: string;
  /** Default IANA time zone of the schedules. */
  public readonly timeZone: string;
  /** Starts tagged instances. */
  public readonly startFunction: lambda.Function;
  /** Stops tagged instances. */
  public readonly stopFunction: lambda.Function;
  /** Execution role of the start function. */
  public readonly startRole: iam.Role;
  /** Execution role of the stop function. */
  public readonly stopRole: iam.Role;
  /** Log group of the start function. */
  public readonly startLogGroup: logs.LogGroup;
  /** Log group of the stop function. */
  public readonly stopLogGroup: logs.LogGroup;
  /** Role EventBridge Scheduler assumes to invoke the functions. */
  public readonly schedulerRole: iam.Role;
  /**
   * Holds every schedule of this scheduler. EventBridge Scheduler may assume `schedulerRole` only
   * for schedules of this group.
   */
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /**
   * The KMS key created here (rotation on): it encrypts the log groups unless `logEncryptionKey`
   * is given, and the alarm topic unless `alarmTopic` is given. Undefined when both are given.
   */
  public readonly encryptionKey?: kms.Key;
  /** Security groups of the functions, with `vpc`; empty outside a VPC. */
  public readonly securityGroups: ec2.ISecurityGroup[];
  /**
   * Receives invocations that EventBridge Scheduler could not deliver and runs that failed
   * after Lambda's own retries.
   */
  public readonly deadLetterQueue: sqs.Queue;
  /** Receives the alarms: the given `alarmTopic` or the one created here. */
  public readonly alarmTopic: sns.ITopic;
  /** Any instance failed to start or stop in a run. */
  public readonly failedInstancesAlarm: cloudwatch.Alarm;
  /** A start or stop run failed (function errors). */
  public readonly functionErrorsAlarm: cloudwatch.Alarm;
  /** Messages wait in the dead-letter queue. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** Lambda throttled a start or stop function. */
  public readonly throttlesAlarm: cloudwatch.Alarm;
  /** The dashboard, with `dashboard: true`. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** CloudWatch namespace of the functions' metrics. */
  public readonly metricsNamespace: string;

  private readonly scheduleList: ScheduleResources[] = [];
  private readonly props: Ec2SchedulerProps;
  private readonly namePrefix: string;
  private readonly verifyTimeoutSeconds: number;
  private readonly dashboardBuilder?: SchedulerDashboard;

  constructor(scope: Construct, id: string, props: Ec2SchedulerProps = {}) {
    super(scope, id);
    this.props = props;
    this.tagKey = props.tagKey ?? 'Schedule';
    if (Token.isUnresolved(this.tagKey)) {
      throw new Error(
        'tagKey is an unresolved token; it becomes an IAM condition key, so give a literal string such as "Schedule"',
      );
    }
    validateTagKey(this.tagKey);
    if ((props.auditTags ?? true) && auditTagKey(this.tagKey).length > 128) {
      throw new Error(
        `tagKey "${this.tagKey}" is ${this.tagKey.length} characters long; the audit tag "${auditTagKey(this.tagKey)}" must fit in 128, so use at most 116 characters or set auditTags: false`,
      );
    }
    const timeoutSeconds = (props.timeout ?? Duration.minutes(15)).toSeconds();
    this.verifyTimeoutSeconds =
      props.verifyTimeout?.toSeconds() ?? Math.min(180, Math.floor(timeoutSeconds / 2));
    if (this.verifyTimeoutSeconds >= timeoutSeconds) {
      throw new Error(
        `verifyTimeout ${this.verifyTimeoutSeconds} s does not fit inside the functions' timeout of ${timeoutSeconds} s; make it shorter than timeout, or Duration.seconds(0) to turn verification off`,
      );
    }
    this.timeZone = props.timeZone ?? 'UTC';
    if (!Token.isUnresolved(this.timeZone)) validateTimeZone('', this.timeZone);
    if (props.retryAttempts !== undefined && !Token.isUnresolved(props.retryAttempts)) {
      if (
        !Number.isInteger(props.retryAttempts) ||
        props.retryAttempts < 0 ||
        props.retryAttempts > 185
      ) {
        throw new Error(
          `retryAttempts ${props.retryAttempts} is not allowed; give a whole number from 0 to 185`,
        );
      }
    }

    if (!props.vpc && (props.vpcSubnets || props.securityGroups?.length)) {
      throw new Error(
        'vpcSubnets and securityGroups place the functions in a VPC; give vpc as well, or leave them out to run the functions outside a VPC',
      );
    }
    // Names of the alarms and log groups start with this: unique per stack and construct path.
    this.namePrefix = Names.uniqueResourceName(this, { separator: '-', maxLength: 64 });

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      // It holds only this scheduler's schedules, which go with the stack anyway; a retained group
      // would keep its name and block deploying the stack again.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      // EventBridge Scheduler gives the schedule group's ARN as aws:SourceArn (not the schedule's):
      // https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
      description:
        'Lets EventBridge Scheduler invoke the start and stop functions of this scheduler, for its schedule group only',
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks the queue as a dead-letter queue, which is what Control Tower's CT.SQS.PR.1 looks
      // for. The policy governs only SQS source queues naming this queue in their RedrivePolicy
      // (the schedules and the functions send to it directly); allowAll is what SQS assumes when
      // the policy is absent, so no permission changes. denyAll would be stricter, but CT.SQS.PR.1
      // accepts only allowAll and byQueue, and byQueue needs a source queue there is none of.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the schedules and the functions; it needs none of its own.',
    });

    // One key by default for the log groups and the alarm topic: a default deployment pays for
    // one key, not two. The id is historical (the key used to encrypt only the topic); keeping it
    // keeps existing deployments' key.
    if (!props.logEncryptionKey || !props.alarmTopic) {
      this.encryptionKey = new kms.Key(this, 'AlarmTopicKey', {
        description: 'Encrypts the log groups and the alarm topic of an Ec2Scheduler',
        enableKeyRotation: true,
      });
      denyGrantsExceptForAwsResources(this.encryptionKey);
    }
    const logKey = props.logEncryptionKey ?? this.encryptionKey!;
    const logGroupNames = {
      // The stack id's first block tells this stack apart from a deleted one whose retained log
      // groups still hold the name.
      start: `/ec2-scheduler/${this.namePrefix}-${stackIdBlock(this)}/start`,
      stop: `/ec2-scheduler/${this.namePrefix}-${stackIdBlock(this)}/stop`,
    };
    this.allowLogsToUse(logKey, [logGroupNames.start, logGroupNames.stop]);

    this.securityGroups = [];
    if (props.vpc) {
      this.securityGroups = props.securityGroups?.length
        ? [...props.securityGroups]
        : [this.createSecurityGroup(props.vpc)];
    }

    const start = this.createFunction('start', logGroupNames.start, logKey);
    this.startFunction = start.fn;
    this.startRole = start.role;
    this.startLogGroup = start.logGroup;
    const stop = this.createFunction('stop', logGroupNames.stop, logKey);
    this.stopFunction = stop.fn;
    this.stopRole = stop.role;
    this.stopLogGroup = stop.logGroup;

    for (const key of props.encryptionKeys ?? []) {
      this.startRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:CreateGrant'],
          resources: [key.keyArn],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      );
    }

    this.metricsNamespace = props.metricsNamespace ?? 'Ec2Scheduler';
    if (!Token.isUnresolved(this.metricsNamespace)) validateMetricsNamespace(this.metricsNamespace);
    if (props.alarmTopic && props.notificationEmails?.length) {
      Annotations.of(this).addWarningV2(
        'cdk-ec2-scheduler:emailsIgnored',
        'notificationEmails are only subscribed to the topic the construct creates; with alarmTopic given, subscribe them to that topic yourself',
      );
    }
    this.alarmTopic =
      props.alarmTopic ??
      this.createAlarmTopic(this.encryptionKey!, props.notificationEmails ?? []);
    const alarms = new SchedulerAlarms(this, 'Alarms', {
      namespace: this.metricsNamespace,
      functions: [this.startFunction, this.stopFunction],
      deadLetterQueue: this.deadLetterQueue,
      topic: this.alarmTopic,
      alarmNamePrefix: this.namePrefix,
    });
    this.failedInstancesAlarm = alarms.failedInstances;
    this.functionErrorsAlarm = alarms.functionErrors;
    this.deadLetterAlarm = alarms.deadLetterMessages;
    this.throttlesAlarm = alarms.throttles;
    if (props.dashboard) {
      this.dashboardBuilder = new SchedulerDashboard(this, 'Dashboard', {
        namespace: this.metricsNamespace,
        functions: [this.startFunction, this.stopFunction],
        deadLetterQueue: this.deadLetterQueue,
      });
      this.dashboard = this.dashboardBuilder.dashboard;
    }

    this.node.addValidation({
      validate: () =>
        this.scheduleList.length === 0
          ? [
              `Ec2Scheduler "${this.node.path}" has no schedules; call addSchedule('office-hours', { start: 'cron(0 8 ? * MON-FRI *)', stop: 'cron(0 17 ? * MON-FRI *)' })`,
            ]
          : [],
    });
  }

  /** The schedules added so far. */
  public get schedules(): readonly ScheduleResources[] {
    return [...this.scheduleList];
  }

  /**
   * Adds a named schedule. Instances tagged `<tagKey>=<name>` are started at `start` and stopped
   * at `stop`, in the schedule's time zone.
   * @param name the schedule name, which is also the tag value that opts instances in
   * @throws Error when an option is invalid; the message names the schedule, field, value and fix
   */
  public addSchedule(name: string, options: ScheduleOptions): ScheduleResources {
    validateScheduleName(name);
    if (this.scheduleList.some((s) => s.name === name)) {
      throw new Error(
        `schedule "${name}" is added twice; schedule names are tag values and must be unique within one Ec2Scheduler`,
      );
    }
    const timeZone = options.timeZone ?? this.timeZone;
    const skipDates = options.skipDates ?? [];
    const unresolved = {
      start: options.start !== undefined && Token.isUnresolved(options.start),
      stop: options.stop !== undefined && Token.isUnresolved(options.stop),
    };
    // With a time zone known only at deploy time, firings are judged in UTC.
    const zoneKnown = !Token.isUnresolved(timeZone);
    const literalSkipDates = skipDates.filter((d) => !Token.isUnresolved(d));
    const now = new Date();
    const crons = validateSchedule(
      {
        name,
        start: options.start,
        stop: options.stop,
        timeZone: zoneKnown ? timeZone : 'UTC',
        skipDates: literalSkipDates,
        unresolved,
      },
      now,
    );
    if (zoneKnown) this.annotateTimeline(name, crons, timeZone, literalSkipDates, now);
    if (skipDates.length > 0 && options.start === undefined) {
      Annotations.of(this).addWarningV2(
        'cdk-ec2-scheduler:skipDatesWithoutStart',
        `schedule "${name}": skipDates only suppress starts, and this schedule has no start`,
      );
    }
    if (options.hibernate && options.stop === undefined) {
      Annotations.of(this).addWarningV2(
        'cdk-ec2-scheduler:hibernateWithoutStop',
        `schedule "${name}": hibernate applies to stops, and this schedule has no stop`,
      );
    }

    const scope = new Construct(this, scheduleConstructId(name));
    const make = (action: ScheduleAction, expression: string, opposite?: string) => {
      const event: SchedulerEvent = {
        version: 1,
        action,
        schedule: name,
        tagKey: this.tagKey,
        timeZone,
        skipDates,
        hibernate: options.hibernate ?? false,
        dryRun: this.props.dryRun ?? false,
        auditTags: this.props.auditTags ?? true,
        ...(action === 'start' ? { verifyTimeoutSeconds: this.verifyTimeoutSeconds } : {}),
        ...(opposite !== undefined ? { opposite } : {}),
        scheduledTime: SCHEDULED_TIME_ATTRIBUTE,
      };
      const fn = action === 'start' ? this.startFunction : this.stopFunction;
      const schedule = new scheduler.Schedule(scope, action === 'start' ? 'Start' : 'Stop', {
        description: `${action} EC2 instances tagged ${this.tagKey}=${name}`,
        scheduleGroup: this.scheduleGroup,
        schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(timeZone)),
        target: new InvokeFunction(fn, {
          input: scheduler.ScheduleTargetInput.fromObject(event),
          role: this.schedulerRole,
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: this.props.retryAttempts ?? 3,
          maxEventAge: this.props.maxEventAge ?? Duration.hours(1),
        }),
      });
      // The schedule names its group by name only; create it after the group, delete it before.
      schedule.node.addDependency(this.scheduleGroup);
      return schedule;
    };
    const resources: ScheduleResources = {
      name,
      startSchedule:
        options.start !== undefined ? make('start', options.start, options.stop) : undefined,
      stopSchedule:
        options.stop !== undefined ? make('stop', options.stop, options.start) : undefined,
    };
    this.scheduleList.push(resources);
    this.dashboardBuilder?.addSchedule(name);
    return resources;
  }

  /**
   * The alarm topic: encrypted with `key`, SSL-only, and open to this scheduler's four alarms and
   * no other. Topic policy and key policy both name the alarms by ARN (aws:SourceArn).
   */
  private createAlarmTopic(key: kms.Key, emails: string[]): sns.Topic {
    const alarmArns = alarmNames(this.namePrefix).map((alarmName) =>
      Stack.of(this).formatArn({
        service: 'cloudwatch',
        resource: 'alarm',
        resourceName: alarmName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const fromTheseAlarms = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnEquals: { 'aws:SourceArn': alarmArns },
    };
    // CloudWatch publishes to an encrypted topic with the key; it supports aws:SourceArn (the
    // alarm's ARN) and aws:SourceAccount here, as for the topic policy.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisSchedulersAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromTheseAlarms,
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'EC2 scheduler alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, which let the account's principals publish;
    // without this statement the SSL-only policy lets nobody publish, CloudWatch included.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisSchedulersAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromTheseAlarms,
      }),
    );
    for (const email of emails) {
      if (!Token.isUnresolved(email) && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new Error(
          `notificationEmails contains "${email}", which is not an email address; give addresses like "ops@example.com"`,
        );
      }
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    return topic;
  }

  /**
   * Tells, at synth, when the schedule next acts and what it adds up to, and warns when a
   * start or stop can fall in the hour that daylight saving skips.
   */
  private annotateTimeline(
    name: string,
    crons: ValidatedSchedule,
    timeZone: string,
    skipDates: string[],
    now: Date,
  ): void {
    const yearAhead = new Date(now.getTime() + 366 * 86_400_000);
    for (const action of ['start', 'stop'] as const) {
      const cron = crons[action];
      if (!cron) continue;
      const effect = action === 'start' ? 'will not start' : 'will not stop';
      const [skipped] = skippedByDaylightSaving(cron, timeZone, now, yearAhead);
      if (skipped) {
        Annotations.of(this).addWarningV2(
          'cdk-ec2-scheduler:daylightSavingSkip',
          `schedule "${name}": ${action} "${cron.expression}" falls in the hour that daylight saving time skips in ${timeZone} (next on ${skipped.localTime.slice(0, 10)}); EventBridge Scheduler does not run it that day, so instances ${effect}. Pick a time outside the skipped hour`,
        );
      }
      const nearest = cron.days.kind === 'nearestWeekday' ? cron.days.day : 0;
      if (nearest > 28) {
        Annotations.of(this).addWarningV2(
          'cdk-ec2-scheduler:nearestWeekdayOfMissingDay',
          `schedule "${name}": ${action} "${cron.expression}" uses ${nearest}W, the weekday nearest day ${nearest}; in months without a day ${nearest} it does not fire at all, so instances ${effect} those months. Use LW for the last weekday of every month`,
        );
      }
    }
    // One week keeps synth fast; `cdk-ec2-scheduler preview` averages over 52.
    const preview = previewCrons(crons, timeZone, skipDates, now, { count: 4, weeks: 1 });
    const next = (action: 'start' | 'stop') =>
      (
        preview.transitions.find((t) => t.action === action) ??
        // e.g. a weekly start behind several daily stops
        previewCrons({ [action]: crons[action] }, timeZone, skipDates, now, { count: 1, weeks: 1 })
          .transitions[0]
      )?.local;
    const figures =
      preview.runningHoursPerWeek === null || preview.stoppedShare === null
        ? oneSided(crons)
        : `runs ${preview.runningHoursPerWeek} h in the next 7 days, stopped ${Math.round(preview.stoppedShare * 100)}% of the week`;
    const nexts = (['start', 'stop'] as const)
      .filter((a) => crons[a])
      .map((a) => `next ${a} ${next(a) ?? 'none'}`)
      .join(', ');
    Annotations.of(this).addInfo(`schedule "${name}": ${figures}; ${nexts} (${timeZone})`);
  }

  /**
   * Lets CloudWatch Logs use `key` for the log groups named `logGroupNames` and no others. Only a
   * key of this stack can be changed here (a key of another stack would need this stack's id);
   * otherwise synth warns.
   */
  private allowLogsToUse(key: kms.IKey, logGroupNames: string[]): void {
    const stack = Stack.of(this);
    const statement = new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsForThisSchedulersLogGroups',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: [
        'kms:Encrypt*',
        'kms:Decrypt*',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:Describe*',
      ],
      resources: ['*'],
      conditions: {
        ArnEquals: {
          'kms:EncryptionContext:aws:logs:arn': logGroupNames.map((logGroupName) =>
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: logGroupName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ),
        },
      },
    });
    if (Stack.of(key) !== stack || !key.addToResourcePolicy(statement).statementAdded) {
      Annotations.of(this).addWarningV2(
        'cdk-ec2-scheduler:logEncryptionKeyPolicy',
        `logEncryptionKey is not a key of this stack, so its key policy is not changed here; it must let logs.<region>.amazonaws.com use it (kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe*) with kms:EncryptionContext:aws:logs:arn matching arn:<partition>:logs:<region>:<account>:log-group:/ec2-scheduler/${this.namePrefix}-*, or CloudWatch Logs cannot create the log groups`,
      );
    }
  }

  /** The functions' security group in a VPC: outbound HTTPS (to the EC2 and Lambda APIs) only. */
  private createSecurityGroup(vpc: ec2.IVpc): ec2.SecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc,
      description: 'Start and stop functions of an Ec2Scheduler: outbound HTTPS only',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the EC2 and Lambda APIs (through a NAT gateway or VPC endpoints)',
    );
    return securityGroup;
  }

  private createFunction(action: ScheduleAction, logGroupName: string, logKey: kms.IKey) {
    const title = action === 'start' ? 'Start' : 'Stop';
    const logGroup = new logs.LogGroup(this, `${title}LogGroup`, {
      // A fixed name, so the key policy can name the log group before it exists.
      logGroupName,
      encryptionKey: logKey,
      retention: this.props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: this.props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, `${title}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lets the ${action} function ${action} EC2 instances that carry the ${this.tagKey} tag of one of its schedules`,
    });
    logGroup.grantWrite(role);
    const instanceArn = Stack.of(this).formatArn({
      service: 'ec2',
      resource: 'instance',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    // Resolved at synth, so schedules added after the construct are included.
    const scheduleNames = Lazy.list({ produce: () => this.scheduleList.map((s) => s.name) });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FindTaggedInstances',
        actions: ['ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: action === 'start' ? 'StartScheduledInstances' : 'StopScheduledInstances',
        actions: [action === 'start' ? 'ec2:StartInstances' : 'ec2:StopInstances'],
        resources: [instanceArn],
        conditions: { StringEquals: { [`aws:ResourceTag/${this.tagKey}`]: scheduleNames } },
      }),
    );
    if (this.props.vpc) {
      // What Lambda needs to attach the function to the VPC (AWSLambdaVPCAccessExecutionRole,
      // which a managed policy would grant). EC2 scopes none of it usefully: DescribeNetworkInterfaces
      // and DescribeSubnets take only *, and the interfaces are created and named by Lambda.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'AttachToTheVpc',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }

    if (this.props.auditTags ?? true) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteAuditTag',
          actions: ['ec2:CreateTags'],
          resources: [instanceArn],
          conditions: {
            StringEquals: { [`aws:ResourceTag/${this.tagKey}`]: scheduleNames },
            'ForAllValues:StringEquals': { 'aws:TagKeys': [auditTagKey(this.tagKey)] },
          },
        }),
      );
    }

    const fn = new lambda.Function(this, `${title}Function`, {
      description: `Starts or stops EC2 instances tagged ${this.tagKey}=<schedule> (${action})`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(handlerBundle(action)),
      role,
      logGroup,
      memorySize: 256,
      timeout: this.props.timeout ?? Duration.minutes(15),
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 2,
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      vpc: this.props.vpc,
      vpcSubnets: this.props.vpc ? this.props.vpcSubnets : undefined,
      securityGroups: this.props.vpc ? this.securityGroups : undefined,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'ec2-scheduler',
        POWERTOOLS_METRICS_NAMESPACE: this.props.metricsNamespace ?? 'Ec2Scheduler',
      },
    });

    // The run hands what it cannot finish in time to a follow-up run of itself. A separate
    // policy (not the role's default policy, which the function depends on) avoids a cycle.
    new iam.Policy(this, `${title}FollowUpPolicy`, {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeFollowUpRun',
          actions: ['lambda:InvokeFunction'],
          resources: [fn.functionArn],
        }),
      ],
    });

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: this.props.vpc
        ? 'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *. The same holds for ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets, and the network interfaces Lambda creates in the VPC for the function have no ARN known in advance.'
        : 'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
      reason: `ec2:${title}Instances is on instance/* only under the condition aws:ResourceTag/${this.tagKey} equals one of this scheduler's schedule names.`,
    });
    if (!this.props.vpc) {
      Validations.of(fn).acknowledge({
        id: 'cdk-validator-cfnguard::lambda_inside_vpc_check',
        reason:
          'CT.LAMBDA.PR.3: the function serves no inbound traffic and calls only AWS APIs (EC2, and Lambda for its follow-up runs) over TLS with IAM-signed requests. A VPC would add NAT gateway or interface endpoint cost and no isolation for these calls. Where the control is enforced, pass vpc (and a route to the EC2 and Lambda APIs).',
      });
    }
    return { fn, role, logGroup };
  }
}

/**
 * Control Tower's CT.KMS.PR.3: nobody may create a grant on `key` unless it is for an AWS resource
 * or the caller is an AWS service. Nothing that uses the scheduler's key creates grants: CloudWatch
 * Logs, CloudWatch and SNS use it directly.
 */
function denyGrantsExceptForAwsResources(key: kms.Key): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyGrantsExceptForAwsResources',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: {
          'kms:GrantIsForAWSResource': 'false',
          'aws:PrincipalIsAWSService': 'false',
        },
      },
    }),
  );
}

/**
 * The first block of the stack id's UUID (`arn:...:stack/<name>/<uuid>`): it differs between a
 * stack and an earlier stack of the same name, and is known before any resource exists.
 */
function stackIdBlock(scope: Construct): string {
  return Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Stack.of(scope).stackId))));
}

/**
 * `LambdaInvoke` that lets the scheduler role invoke the function itself, not its versions and
 * aliases (`<arn>:*`): the schedules invoke the unqualified function ARN, so that is all they need.
 */
class InvokeFunction extends targets.LambdaInvoke {
  private readonly fn: lambda.IFunction;

  constructor(fn: lambda.IFunction, props: targets.ScheduleTargetBaseProps) {
    super(fn, props);
    this.fn = fn;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.fn.functionArn],
      }),
    );
  }
}

/**
 * A stable construct id for a schedule name. Tag values may hold characters construct ids do
 * not; each such character (and `_` itself) becomes `_` and its code point in hex, so distinct
 * names always get distinct ids, and plain names like `office-hours` keep theirs.
 */
function scheduleConstructId(name: string): string {
  return `Schedule-${name.replace(/[^A-Za-z0-9.-]/gu, (c) => `_${c.codePointAt(0)?.toString(16).toUpperCase()}_`)}`;
}

function oneSided(crons: ValidatedSchedule): string {
  return crons.start ? 'start-only schedule' : 'stop-only schedule';
}

function handlerBundle(action: ScheduleAction): string {
  for (const candidate of HANDLER_BUNDLES) {
    const dir = path.join(__dirname, candidate, action);
    if (fs.existsSync(path.join(dir, 'index.js'))) return dir;
  }
  throw new Error(
    `cdk-ec2-scheduler: the ${action} handler bundle is missing (looked for assets/${action}/index.js); run "npm run bundle" in the package`,
  );
}
