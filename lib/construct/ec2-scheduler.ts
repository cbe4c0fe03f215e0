/**
 * The Ec2Scheduler construct: one start function and one stop function, shared by all its named
 * schedules, each schedule an EventBridge Scheduler schedule per start and per stop.
 */
import { Annotations, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as config from 'aws-cdk-lib/aws-config';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createAlarmTopic } from './alarm-topic';
import { createCoverageRule } from './coverage-rule';
import { createDeduplicationTable } from './deduplication-table';
import { createGrantStatement } from '../iam/instance-statements';
import { configureHub } from '../hub/hub';
import { allowLogsToUse, createSchedulerKey, logGroupNames } from './encryption';
import { SchedulerAlarms, SchedulerDashboard } from './monitoring';
import { checkSchedule, createSchedules, ScheduleHost } from './named-schedule';
import type { Ec2SchedulerProps, ScheduleOptions, ScheduleResources } from './props';
import { resolveProps, ResolvedProps } from './resolve-props';
import { createFunctionSecurityGroup, createSchedulerFunction } from './scheduler-function';
import { validateScheduleName } from '../schedule/validation';

export type { Ec2SchedulerProps, ScheduleOptions, ScheduleResources } from './props';

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
  /**
   * Where the functions record each delivered event's run, so a duplicate delivery does nothing
   * (Powertools' idempotency records, expiring after 24 hours). Undefined with
   * `deduplication` off.
   */
  public readonly deduplicationTable?: dynamodb.Table;
  /** Security groups of the functions, with `vpc`; empty outside a VPC. */
  public readonly securityGroups: ec2.ISecurityGroup[];
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
  /** The dashboard, with `dashboard` on. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** CloudWatch namespace of the functions' metrics. */
  public readonly metricsNamespace: string;
  /**
   * With `targets.organizationalUnitIds`: the service-managed StackSet that gives every account of
   * those OUs the spoke role. Set its `operationPreferences` here to roll out faster.
   */
  public readonly spokeStackSet?: cloudformation.CfnStackSet;
  /**
   * With `coverage` on: the AWS Config rule (managed REQUIRED_TAGS) requiring `<tagKey>` with one
   * of this scheduler's schedule names on every EC2 instance of the stack's account and Region.
   */
  public readonly coverageRule?: config.ManagedRule;
  /**
   * With `coverage` on: the EventBridge rule that sends the coverage rule's compliance changes to
   * `alarmTopic` (the only EventBridge rule the created topic lets publish).
   */
  public readonly coverageComplianceChange?: events.Rule;

  private readonly scheduleList: ScheduleResources[] = [];
  private readonly props: ResolvedProps;
  /** Names of the alarms and log groups start with this: unique per stack and construct path. */
  private readonly namePrefix: string;
  private readonly dashboardBuilder?: SchedulerDashboard;

  /**
   * Creates the start and stop functions, their roles and log groups, the dead-letter queue, the
   * alarms and (unless given) the alarm topic and key. Add schedules with the method that adds one
   * (`addSchedule`; `add_schedule` in Python, `AddSchedule` in C# and Go).
   * @param scope the parent construct
   * @param id the construct id
   * @param props options, each with a default
   * @throws Error when a prop is invalid; the message names the prop, the value and the fix
   */
  constructor(scope: Construct, id: string, props: Ec2SchedulerProps = {}) {
    super(scope, id);
    this.props = resolveProps(props);
    this.tagKey = this.props.tagKey;
    this.timeZone = this.props.timeZone;
    this.metricsNamespace = this.props.metricsNamespace;
    this.namePrefix = Names.uniqueResourceName(this, { separator: '-', maxLength: 64 });
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      // It holds only this scheduler's schedules, which go with the stack anyway; a retained group
      // would keep its name and block deploying the stack again.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = this.createSchedulerRole();
    this.deadLetterQueue = this.createDeadLetterQueue();
    if (!this.props.logEncryptionKey || !this.props.alarmTopic) {
      this.encryptionKey = createSchedulerKey(this);
    }
    this.securityGroups = this.functionSecurityGroups();
    if (this.props.deduplication) this.deduplicationTable = createDeduplicationTable(this);
    const [start, stop] = this.createFunctions();
    this.startFunction = start.fn;
    this.startRole = start.role;
    this.startLogGroup = start.logGroup;
    this.stopFunction = stop.fn;
    this.stopRole = stop.role;
    this.stopLogGroup = stop.logGroup;
    this.spokeStackSet = this.configureHub();

    this.alarmTopic = this.alarmTopicOf();
    const alarms = new SchedulerAlarms(this, 'Alarms', {
      ...this.monitoringProps(),
      topic: this.alarmTopic,
      alarmNamePrefix: this.namePrefix,
    });
    this.failedInstancesAlarm = alarms.failedInstances;
    this.functionErrorsAlarm = alarms.functionErrors;
    this.deadLetterAlarm = alarms.deadLetterMessages;
    this.throttlesAlarm = alarms.throttles;
    if (this.props.coverage) {
      const coverage = createCoverageRule(this, {
        tagKey: this.tagKey,
        scheduleNames: () => this.scheduleList.map((s) => s.name),
        topic: this.alarmTopic,
        createdTopicKey: this.props.alarmTopic ? undefined : this.encryptionKey,
        schedulerPath: this.node.path,
      });
      this.coverageRule = coverage.rule;
      this.coverageComplianceChange = coverage.complianceChange;
    }
    if (this.props.dashboard) {
      this.dashboardBuilder = new SchedulerDashboard(this, 'Dashboard', this.monitoringProps());
      this.dashboard = this.dashboardBuilder.dashboard;
      if (this.props.targets) this.dashboardBuilder.addTargets();
    }
    this.node.addValidation({ validate: () => this.validateHasSchedules() });
  }

  /** With `vpc`: the security groups given, or one created; none outside a VPC. */
  private functionSecurityGroups(): ec2.ISecurityGroup[] {
    const { vpc, securityGroups } = this.props;
    if (!vpc) return [];
    return securityGroups.length > 0
      ? [...securityGroups]
      : [createFunctionSecurityGroup(this, vpc)];
  }

  /** The topic given, or one created (the emails subscribed to it). */
  private alarmTopicOf(): sns.ITopic {
    if (this.props.emailsIgnored) {
      Annotations.of(this).addWarningV2(
        'cdk-ec2-scheduler:emailsIgnored',
        'notificationEmails are only subscribed to the topic the construct creates; with alarmTopic given, subscribe them to that topic yourself',
      );
    }
    return (
      this.props.alarmTopic ??
      createAlarmTopic(this, this.encryptionKey!, this.props.notificationEmails, this.namePrefix)
    );
  }

  /** The schedules added so far. */
  public get schedules(): ScheduleResources[] {
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
    const host = this.scheduleHost();
    checkSchedule(host, name, options);
    const resources = createSchedules(host, name, options);
    this.scheduleList.push(resources);
    this.dashboardBuilder?.addSchedule(name);
    return resources;
  }

  private scheduleHost(): ScheduleHost {
    return {
      scope: this,
      props: this.props,
      scheduleGroup: this.scheduleGroup,
      schedulerRole: this.schedulerRole,
      deadLetterQueue: this.deadLetterQueue,
      functions: { start: this.startFunction, stop: this.stopFunction },
    };
  }

  private createSchedulerRole(): iam.Role {
    return new iam.Role(this, 'SchedulerRole', {
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
  }

  private createDeadLetterQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeadLetterQueue', {
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
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the schedules and the functions; it needs none of its own.',
    });
    return queue;
  }

  /** The start function, then the stop function, and the start role's grants on EBS keys. */
  private createFunctions() {
    const logKey = this.props.logEncryptionKey ?? this.encryptionKey!;
    const names = logGroupNames(this, this.namePrefix);
    allowLogsToUse(this, logKey, [names.start, names.stop], this.namePrefix);
    const common = {
      props: this.props,
      logKey,
      // Resolved at synth, so schedules added after the construct are included.
      scheduleNames: () => this.scheduleList.map((s) => s.name),
      deadLetterQueue: this.deadLetterQueue,
      securityGroups: this.securityGroups,
      deduplicationTable: this.deduplicationTable,
    };
    const start = createSchedulerFunction(this, 'start', { ...common, logGroupName: names.start });
    const stop = createSchedulerFunction(this, 'stop', { ...common, logGroupName: names.stop });
    for (const key of this.props.encryptionKeys) {
      start.role.addToPrincipalPolicy(createGrantStatement(key.keyArn));
    }
    return [start, stop] as const;
  }

  /** With `targets`: the hub's grants on spoke roles and, for OUs, the spoke StackSet. */
  private configureHub(): cloudformation.CfnStackSet | undefined {
    if (!this.props.targets) return undefined;
    return configureHub(this, {
      targets: this.props.targets,
      roles: { start: this.startRole, stop: this.stopRole },
      tagKey: this.tagKey,
      auditTags: this.props.auditTags,
      encryptionKeys: this.props.encryptionKeys,
      scheduleNames: () => this.scheduleList.map((s) => s.name),
      namePrefix: this.namePrefix,
    });
  }

  private monitoringProps() {
    return {
      namespace: this.metricsNamespace,
      functions: [this.startFunction, this.stopFunction] as const,
      deadLetterQueue: this.deadLetterQueue,
    };
  }

  private validateHasSchedules(): string[] {
    return this.scheduleList.length === 0
      ? [
          `Ec2Scheduler "${this.node.path}" has no schedules; call addSchedule('office-hours', { start: 'cron(0 8 ? * MON-FRI *)', stop: 'cron(0 17 ? * MON-FRI *)' })`,
        ]
      : [];
  }
}
