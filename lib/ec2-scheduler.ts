import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Annotations,
  ArnFormat,
  Duration,
  Lazy,
  RemovalPolicy,
  Stack,
  TimeZone,
  Token,
  Validations,
} from 'aws-cdk-lib';
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
import { localDate, skippedByDaylightSaving } from './cron';
import { auditTagKey, SCHEDULED_TIME_ATTRIBUTE, ScheduleAction, SchedulerEvent } from './event';
import { deploymentEnvironment, environmentSizeErrors } from './function-environment';
import { SchedulerAlarms, SchedulerDashboard } from './monitoring';
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
   * Receives invocations that EventBridge Scheduler could not deliver and runs that failed (the
   * functions have no asynchronous retries: a follow-up chain's last run reports the chain).
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

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description:
        'Lets EventBridge Scheduler invoke the start and stop functions of this scheduler',
    });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the schedules and the functions; it needs none of its own.',
    });

    const start = this.createFunction('start');
    this.startFunction = start.fn;
    this.startRole = start.role;
    this.startLogGroup = start.logGroup;
    const stop = this.createFunction('stop');
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

    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.startFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the start function and its versions, as LambdaInvoke grants it.',
    });
    Validations.of(this.schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.stopFunction.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the stop function and its versions, as LambdaInvoke grants it.',
    });

    this.metricsNamespace = props.metricsNamespace ?? 'Ec2Scheduler';
    if (!Token.isUnresolved(this.metricsNamespace)) validateMetricsNamespace(this.metricsNamespace);
    if (props.alarmTopic && props.notificationEmails?.length) {
      Annotations.of(this).addWarningV2(
        'cdk-ec2-scheduler:emailsIgnored',
        'notificationEmails are only subscribed to the topic the construct creates; with alarmTopic given, subscribe them to that topic yourself',
      );
    }
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic(props.notificationEmails ?? []);
    const alarms = new SchedulerAlarms(this, 'Alarms', {
      namespace: this.metricsNamespace,
      functions: [this.startFunction, this.stopFunction],
      deadLetterQueue: this.deadLetterQueue,
      topic: this.alarmTopic,
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
      return new scheduler.Schedule(scope, action === 'start' ? 'Start' : 'Stop', {
        description: `${action} EC2 instances tagged ${this.tagKey}=${name}`,
        schedule: scheduler.ScheduleExpression.expression(expression, TimeZone.of(timeZone)),
        target: new targets.LambdaInvoke(fn, {
          input: scheduler.ScheduleTargetInput.fromObject(event),
          role: this.schedulerRole,
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: this.props.retryAttempts ?? 3,
          maxEventAge: this.props.maxEventAge ?? Duration.hours(1),
        }),
      });
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

  private createAlarmTopic(emails: string[]): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the alarm topic of an Ec2Scheduler',
      enableKeyRotation: true,
    });
    // CloudWatch alarms of this account publish to the encrypted topic.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'EC2 scheduler alarms',
      masterKey: key,
      enforceSSL: true,
    });
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
      const [skipped] = skippedByDaylightSaving(cron, timeZone, now, yearAhead);
      if (skipped) {
        const effect = action === 'start' ? 'will not start' : 'will not stop';
        Annotations.of(this).addWarningV2(
          'cdk-ec2-scheduler:daylightSavingSkip',
          `schedule "${name}": ${action} "${cron.expression}" falls in the hour that daylight saving time skips in ${timeZone} (next on ${localDate(skipped, timeZone)}); EventBridge Scheduler does not run it that day, so instances ${effect}. Pick a time outside the skipped hour`,
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

  private createFunction(action: ScheduleAction) {
    const title = action === 'start' ? 'Start' : 'Stop';
    const logGroup = new logs.LogGroup(this, `${title}LogGroup`, {
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
      // No re-run of a failed run: it retries calls itself, hands what is left to a follow-up,
      // and only a chain's last run fails; a re-run would repeat its report or start a 2nd chain.
      retryAttempts: 0,
      recursiveLoop: lambda.RecursiveLoop.ALLOW,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'ec2-scheduler',
        POWERTOOLS_METRICS_NAMESPACE: this.props.metricsNamespace ?? 'Ec2Scheduler',
        ...deploymentEnvironment(this.tagKey, () => this.scheduleList.map((s) => s.name)),
      },
    });
    fn.node.addValidation({ validate: () => environmentSizeErrors(fn) });

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
      reason:
        'ec2:DescribeInstances supports no resource-level permissions; it can only be granted on *.',
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
      reason: `ec2:${title}Instances is on instance/* only under the condition aws:ResourceTag/${this.tagKey} equals one of this scheduler's schedule names.`,
    });
    return { fn, role, logGroup };
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
