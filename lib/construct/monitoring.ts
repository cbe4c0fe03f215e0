/**
 * Alarms and the optional dashboard of an Ec2Scheduler. Every alarm goes to one SNS topic and
 * its description says what it means and what to check first.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMES } from '../common/shared-names';

const PERIOD = Duration.minutes(5);

export interface MonitoringProps {
  readonly namespace: string;
  /** Start function, then stop function. */
  readonly functions: readonly [lambda.IFunction, lambda.IFunction];
  readonly deadLetterQueue: sqs.IQueue;
}

export interface SchedulerAlarmsProps extends MonitoringProps {
  readonly topic: sns.ITopic;
  /** Each alarm is named `<alarmNamePrefix>-<alarm id>` (see {@link alarmNames}). */
  readonly alarmNamePrefix: string;
}

/** The construct ids of the four alarms, in the order {@link alarmNames} lists them. */
const ALARM_IDS = ['FailedInstances', 'FunctionErrors', 'DeadLetterMessages', 'Throttles'] as const;
type AlarmId = (typeof ALARM_IDS)[number];

function alarmName(prefix: string, id: AlarmId): string {
  return `${prefix}-${id}`;
}

/**
 * The names {@link SchedulerAlarms} gives its alarms. Fixed names make the alarms' ARNs known
 * before the alarms exist, so the topic's key policy can name them without a dependency cycle
 * (alarm -> topic -> key -> alarm).
 */
export function alarmNames(prefix: string): string[] {
  return ALARM_IDS.map((id) => alarmName(prefix, id));
}

/** Sum of the same statistic over both functions, as one alarmable series. */
function sumOf(metrics: cloudwatch.IMetric[], label: string): cloudwatch.MathExpression {
  const usingMetrics: Record<string, cloudwatch.IMetric> = {};
  metrics.forEach((m, i) => (usingMetrics[`m${i}`] = m));
  return new cloudwatch.MathExpression({
    expression: Object.keys(usingMetrics)
      .map((id) => `FILL(${id}, 0)`)
      .join(' + '),
    usingMetrics,
    label,
    period: PERIOD,
  });
}

/** What each alarm watches, and its runbook: what it means and what to check first. */
function watchedMetrics(props: MonitoringProps): Record<AlarmId, [cloudwatch.IMetric, string]> {
  const [start, stop] = props.functions;
  const failed = (metricName: string, action: string) =>
    new cloudwatch.Metric({
      namespace: props.namespace,
      metricName,
      dimensionsMap: { Action: action },
      statistic: cloudwatch.Stats.SUM,
      period: PERIOD,
    });
  return {
    // Instances and Auto Scaling groups: each kind has its own metric, one alarm watches both.
    FailedInstances: [
      sumOf(
        [METRIC_NAMES.failed, METRIC_NAMES.groupsFailed].flatMap((name) => [
          failed(name, 'start'),
          failed(name, 'stop'),
        ]),
        'Instances or groups failed',
      ),
      'An EC2 instance or an Auto Scaling group failed to start or stop on schedule (InstancesFailed, GroupsFailed). First check the start and stop log groups for lines with "outcome":"failed": errorCode and errorMessage name the cause. Client.InternalError after an instance start usually means the start role may not use the KMS key of an encrypted EBS volume: pass the key in encryptionKeys. For a group, ScalingActivityFailed carries the scaling activity\'s StatusMessage (launch template, capacity, KMS key); NoSavedSize or MalformedSavedSize mean its <tagKey>:size tag needs min,desired,max.',
    ],
    FunctionErrors: [
      sumOf(
        [start, stop].map((fn) => fn.metricErrors({ period: PERIOD })),
        'Errors',
      ),
      'A start or stop run failed: the last run of a follow-up chain in which an instance failed, a malformed event, or a function that crashed or timed out. First check the newest "summary" and ERROR lines in the start and stop log groups.',
    ],
    DeadLetterMessages: [
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      "A schedule could not invoke its function, or a run failed (the functions have no asynchronous retries); the event waits in the dead-letter queue. First check the message attributes (ERROR_CODE, ERROR_MESSAGE or ErrorMessage) in the queue, then the functions' logs; delete or redrive the message once fixed.",
    ],
    Throttles: [
      sumOf(
        [start, stop].map((fn) => fn.metricThrottles({ period: PERIOD })),
        'Throttles',
      ),
      "Lambda throttled a start or stop function, so a run started late or not at all. First check the account's Lambda concurrency (ConcurrentExecutions) and the reserved concurrency of other functions.",
    ],
  };
}

export class SchedulerAlarms extends Construct {
  public readonly failedInstances: cloudwatch.Alarm;
  public readonly functionErrors: cloudwatch.Alarm;
  public readonly deadLetterMessages: cloudwatch.Alarm;
  public readonly throttles: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: SchedulerAlarmsProps) {
    super(scope, id);
    const alarm = (
      alarmId: AlarmId,
      metric: cloudwatch.IMetric,
      description: string,
    ): cloudwatch.Alarm => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmName: alarmName(props.alarmNamePrefix, alarmId),
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new actions.SnsAction(props.topic));
      return created;
    };

    const watched = watchedMetrics(props);
    const [failedInstances, functionErrors, deadLetterMessages, throttles] = ALARM_IDS.map((id) =>
      alarm(id, ...watched[id]),
    );
    this.failedInstances = failedInstances;
    this.functionErrors = functionErrors;
    this.deadLetterMessages = deadLetterMessages;
    this.throttles = throttles;
  }
}

/** The opt-in dashboard: instances per schedule, the functions' errors and duration, the DLQ. */
export class SchedulerDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly namespace: string;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.namespace = props.namespace;
    const [start, stop] = props.functions;
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: [start.metricErrors({ label: 'start' }), stop.metricErrors({ label: 'stop' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration (p99)',
        left: [
          start.metricDuration({ label: 'start', statistic: 'p99' }),
          stop.metricDuration({ label: 'stop', statistic: 'p99' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: [
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            label: 'messages',
            statistic: cloudwatch.Stats.MAXIMUM,
          }),
        ],
        width: 8,
      }),
    );
  }

  /**
   * Adds a row for a hub: instances failed per target account and Region (the functions publish
   * InstancesFailed with Action, Account and Region in a hub's runs). Targets that could not run
   * at all fail the invocation: the function errors widget and the logs show them.
   */
  addTargets(): void {
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failed instances per target (account, Region)',
        left: [
          new cloudwatch.MathExpression({
            expression: `SEARCH('{${this.namespace},Account,Action,Region} MetricName="${METRIC_NAMES.failed}"', 'Sum', 300)`,
            label: '',
            period: Duration.minutes(5),
          }),
        ],
        width: 24,
      }),
    );
  }

  /**
   * Adds the rows of a schedule: instances started, stopped, skipped and failed; Auto Scaling
   * groups started, stopped and failed.
   */
  addSchedule(name: string): void {
    const metric = (metricName: string, action: string, label: string) =>
      new cloudwatch.Metric({
        namespace: this.namespace,
        metricName,
        dimensionsMap: { Schedule: name, Action: action },
        statistic: cloudwatch.Stats.SUM,
        label,
      });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${name}: instances`,
        left: [
          metric(METRIC_NAMES.started, 'start', 'started'),
          metric(METRIC_NAMES.stopped, 'stop', 'stopped'),
          metric(METRIC_NAMES.skipped, 'start', 'skipped (start)'),
          metric(METRIC_NAMES.skipped, 'stop', 'skipped (stop)'),
        ],
        width: 16,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: failed`,
        left: [
          metric(METRIC_NAMES.failed, 'start', 'failed (start)'),
          metric(METRIC_NAMES.failed, 'stop', 'failed (stop)'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: `${name}: Auto Scaling groups`,
        left: [
          metric(METRIC_NAMES.groupsStarted, 'start', 'started'),
          metric(METRIC_NAMES.groupsStopped, 'stop', 'stopped'),
          metric(METRIC_NAMES.groupsFailed, 'start', 'failed (start)'),
          metric(METRIC_NAMES.groupsFailed, 'stop', 'failed (stop)'),
        ],
        width: 24,
      }),
    );
  }
}
