/**
 * Operations resources of an Ec2Scheduler as synthesized: the four alarms and their topic, the
 * opt-in dashboard, the audit-tag permission, verified starts' input, and their validation.
 */
import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { Ec2Scheduler, Ec2SchedulerProps } from '../lib';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import {
  ANY_INSTANCE_ARN,
  actionsOf,
  deployedValue,
  exactly,
  statementsOf,
  testStack,
  unacknowledgedNagErrors,
} from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

/** A scheduler with office-hours (start and stop) and nightly-stop (stop only). */
function build(props: Ec2SchedulerProps = {}, stack = testStack()) {
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', props);
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  scheduler.addSchedule('nightly-stop', { stop: 'cron(0 22 * * ? *)' });
  return { stack, scheduler, template: Template.fromStack(stack) };
}

/** The template resource of an L2 construct (found through its CloudFormation resource). */
function resourceOf(template: Template, construct: IConstruct) {
  const logicalId = Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return template.toJSON().Resources[logicalId] as { Type: string; Properties: any };
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at. */
function referencedId(ref: unknown): string {
  const r = ref as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = r.Ref ?? r['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a reference: ${JSON.stringify(ref)}`);
  return id;
}

/**
 * The ARNs of the scheduler's four alarms as deployed (see `deployedValue`): fixed names, so the
 * ARNs are known before the alarms exist.
 */
function deployedAlarmArns(template: Template, scheduler: Ec2Scheduler): string[] {
  return [
    scheduler.failedInstancesAlarm,
    scheduler.functionErrorsAlarm,
    scheduler.deadLetterAlarm,
    scheduler.throttlesAlarm,
  ].map(
    (alarm) =>
      `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${deployedValue(resourceOf(template, alarm).Properties.AlarmName)}`,
  );
}

/** The service principals the scheduler's own key lets in. */
function keyPrincipals(template: Template, scheduler: Ec2Scheduler): unknown[] {
  const key = resourceOf(template, scheduler.encryptionKey!) as {
    Properties: { KeyPolicy: { Statement: { Principal?: { Service?: unknown } }[] } };
  };
  return key.Properties.KeyPolicy.Statement.map((s) => s.Principal?.Service).filter(
    (service) => service !== undefined,
  );
}

interface AlarmMetric {
  Id: string;
  Expression?: string;
  ReturnData?: boolean;
  MetricStat?: {
    Metric: {
      Namespace: string;
      MetricName: string;
      Dimensions?: { Name: string; Value: unknown }[];
    };
    Period: number;
    Stat: string;
  };
}

/** The metrics an alarm sums: its math expression must add up every one of them. */
function summedMetrics(alarm: { Properties: { Metrics?: AlarmMetric[] } }) {
  const metrics = alarm.Properties.Metrics ?? [];
  const expressions = metrics.filter((m) => m.Expression !== undefined);
  expect(expressions).toHaveLength(1);
  expect(expressions[0].ReturnData).not.toBe(false);
  const inputs = metrics.filter((m) => m.MetricStat !== undefined);
  for (const input of inputs) {
    expect(input.ReturnData).toBe(false);
    expect(expressions[0].Expression).toMatch(new RegExp(`\\b${input.Id}\\b`));
  }
  expect(expressions[0].Expression).toMatch(/^[^-*/]*$/); // a sum, nothing subtracted or scaled
  return inputs.map((m) => m.MetricStat!);
}

/** The CreateTags statements of a role. */
function createTagsStatements(
  template: Template,
  stack: Stack,
  role: Parameters<typeof statementsOf>[2],
) {
  return statementsOf(template, stack, role).filter((s) => actionsOf(s).includes('ec2:CreateTags'));
}

function inputsOf(template: Template) {
  return Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
    (r) =>
      JSON.parse(
        (r as { Properties: { Target: { Input: string } } }).Properties.Target.Input,
      ) as SchedulerEvent,
  );
}

function inputOf(template: Template, action: 'start' | 'stop', name: string): SchedulerEvent {
  const found = inputsOf(template).filter((i) => i.action === action && i.schedule === name);
  expect(found).toHaveLength(1);
  return found[0];
}

/**
 * The dashboard body parsed: `DashboardBody` is an `Fn::Join` of JSON text and CloudFormation
 * references; each reference is put back as the object it is, inside the parsed JSON.
 */
function dashboardOf(template: Template) {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = (dashboards[0] as { Properties: { DashboardBody: unknown } }).Properties
    .DashboardBody;
  const parts =
    typeof body === 'string'
      ? [body]
      : (body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const tokens: unknown[] = [];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      tokens.push(part);
      return `@@token${tokens.length - 1}@@`;
    })
    .join('');
  const restore = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const m = /^@@token(\d+)@@$/.exec(value);
      return m ? tokens[Number(m[1])] : value;
    }
    if (Array.isArray(value)) return value.map(restore);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, restore(v)]));
    }
    return value;
  };
  return restore(JSON.parse(text)) as {
    widgets: { type: string; properties: { title: string; metrics?: unknown[][] } }[];
  };
}

/** A dashboard metric array `[namespace, name, dim, value, ..., options]` as an object. */
function describeMetric(metric: unknown[]) {
  const options = (
    typeof metric.at(-1) === 'object' && !Array.isArray(metric.at(-1)) ? metric.at(-1) : {}
  ) as {
    stat?: string;
    label?: string;
  };
  const fields = metric.filter((m) => m !== options);
  const dimensions: Record<string, unknown> = {};
  for (let i = 2; i + 1 < fields.length; i += 2) dimensions[fields[i] as string] = fields[i + 1];
  return { namespace: fields[0], name: fields[1], dimensions, stat: options.stat };
}

describe('default props', () => {
  let stack: Stack;
  let scheduler: Ec2Scheduler;
  let template: Template;

  beforeAll(() => ({ stack, scheduler, template } = build()));

  describe('alarms', () => {
    test('four alarms, exposed as public fields', () => {
      template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
      const alarms = [
        scheduler.failedInstancesAlarm,
        scheduler.functionErrorsAlarm,
        scheduler.deadLetterAlarm,
        scheduler.throttlesAlarm,
      ];
      for (const alarm of alarms) {
        expect(resourceOf(template, alarm).Type).toBe('AWS::CloudWatch::Alarm');
      }
      expect(new Set(alarms.map((a) => a.node.path)).size).toBe(4);
    });

    test('every alarm fires on one event in 5 minutes, not on missing data, and notifies the topic', () => {
      template.allResourcesProperties('AWS::CloudWatch::Alarm', {
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmActions: [stack.resolve(scheduler.alarmTopic.topicArn)],
      });
    });

    test('failed instances or groups: the sum of InstancesFailed and GroupsFailed for Action start and stop, in the Ec2Scheduler namespace', () => {
      const stats = summedMetrics(resourceOf(template, scheduler.failedInstancesAlarm));
      for (const stat of stats) {
        expect(stat).toMatchObject({ Period: 300, Stat: 'Sum' });
        expect(stat.Metric.Namespace).toBe('Ec2Scheduler');
      }
      // Only the Action dimension: one alarm covers every schedule, for each kind of resource.
      expect(
        stats
          .map((s) => [s.Metric.MetricName, s.Metric.Dimensions])
          .sort((x, y) => (String(x) < String(y) ? -1 : 1)),
      ).toEqual([
        ['GroupsFailed', [{ Name: 'Action', Value: 'start' }]],
        ['GroupsFailed', [{ Name: 'Action', Value: 'stop' }]],
        ['InstancesFailed', [{ Name: 'Action', Value: 'start' }]],
        ['InstancesFailed', [{ Name: 'Action', Value: 'stop' }]],
      ]);
      expect(
        resourceOf(template, scheduler.failedInstancesAlarm).Properties.AlarmDescription,
      ).toMatch(/GroupsFailed.*ScalingActivityFailed carries the scaling activity's StatusMessage/);
    });

    test.each([
      ['function errors', 'Errors', 'functionErrorsAlarm'],
      ['throttles', 'Throttles', 'throttlesAlarm'],
    ] as const)(
      '%s: the sum of Lambda %s over the start and stop functions',
      (_name, metricName, field) => {
        const stats = summedMetrics(resourceOf(template, scheduler[field]));
        expect(stats).toHaveLength(2);
        expect(stats.map((s) => s.Metric)).toEqual(
          [scheduler.startFunction, scheduler.stopFunction].map((fn: lambda.IFunction) => ({
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: stack.resolve(fn.functionName) }],
          })),
        );
        expect(stats.every((s) => s.Stat === 'Sum')).toBe(true);
      },
    );

    test('dead-letter messages: the most messages visible in the dead-letter queue', () => {
      expect(resourceOf(template, scheduler.deadLetterAlarm).Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: stack.resolve(scheduler.deadLetterQueue.queueName) },
        ],
        Statistic: 'Maximum',
      });
    });

    test.each([
      [
        'failedInstancesAlarm',
        /instance or an Auto Scaling group failed to start or stop/,
        /log groups[\s\S]*"outcome":"failed"/,
        /encryptionKeys/,
      ],
      ['functionErrorsAlarm', /run failed/, /"summary" and ERROR lines/, /timed out/],
      ['deadLetterAlarm', /dead-letter queue/, /message attributes/, /redrive/],
      ['throttlesAlarm', /throttled/, /concurrency/, /late or not at all/],
    ] as const)(
      '%s: the description says what it means and what to check first',
      (field, meaning, check, detail) => {
        const description = resourceOf(template, scheduler[field]).Properties
          .AlarmDescription as string;
        expect(description).toMatch(meaning);
        expect(description).toMatch(/First check/);
        expect(description.slice(description.indexOf('First check'))).toMatch(check);
        expect(description).toMatch(detail);
      },
    );
  });

  describe('alarm topic', () => {
    test('is created, encrypted with its own KMS key that rotates and that CloudWatch may use', () => {
      template.resourceCountIs('AWS::SNS::Topic', 1);
      const topic = resourceOf(template, scheduler.alarmTopic);
      expect(topic.Type).toBe('AWS::SNS::Topic');
      const keyId = referencedId(topic.Properties.KmsMasterKeyId);
      const key = template.toJSON().Resources[keyId] as {
        Type: string;
        Properties: {
          EnableKeyRotation: boolean;
          KeyPolicy: { Statement: Record<string, unknown>[] };
        };
      };
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      const forCloudWatch = key.Properties.KeyPolicy.Statement.filter(
        (s) =>
          JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
      );
      expect(forCloudWatch).toHaveLength(1);
      expect(forCloudWatch[0].Effect).toBe('Allow');
      expect([forCloudWatch[0].Action].flat()).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']),
      );
    });

    test("the key lets CloudWatch use it for this scheduler's four alarms only, from this account", () => {
      const key = template.toJSON().Resources[
        referencedId(resourceOf(template, scheduler.alarmTopic).Properties.KmsMasterKeyId)
      ] as { Properties: { KeyPolicy: { Statement: Record<string, unknown>[] } } };
      const forCloudWatch = key.Properties.KeyPolicy.Statement.filter(
        (s) =>
          JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }),
      );
      expect(forCloudWatch).toHaveLength(1);
      expect(forCloudWatch[0].Condition).toEqual({
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnEquals: { 'aws:SourceArn': expect.any(Array) },
      });
      expect(
        deployedValue(
          (forCloudWatch[0].Condition as { ArnEquals: Record<string, unknown> }).ArnEquals[
            'aws:SourceArn'
          ],
        ),
      ).toEqual(deployedAlarmArns(template, scheduler));
    });

    test("CloudWatch may publish to the topic, for this scheduler's alarms only; the only deny is of requests without SSL", () => {
      const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as Array<{
        Properties: { Topics: unknown[]; PolicyDocument: { Statement: Record<string, unknown>[] } };
      }>;
      expect(policies).toHaveLength(1);
      const topicRef = stack.resolve(scheduler.alarmTopic.topicArn);
      expect(policies[0].Properties.Topics).toEqual([topicRef]);
      const statements = policies[0].Properties.PolicyDocument.Statement;

      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows).toEqual([
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topicRef,
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': expect.any(Array) },
          },
        }),
      ]);
      expect(
        deployedValue(
          (allows[0].Condition as { ArnEquals: Record<string, unknown> }).ArnEquals[
            'aws:SourceArn'
          ],
        ),
      ).toEqual(deployedAlarmArns(template, scheduler));

      // CloudWatch publishes over TLS, so no deny applies to it.
      for (const deny of statements.filter((s) => s.Effect !== 'Allow')) {
        expect(deny.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      }
    });

    test('refuses publishing without SSL', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [stack.resolve(scheduler.alarmTopic.topicArn)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Principal: Match.anyValue(),
              Action: Match.anyValue(),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    test('has no subscriptions unless emails are given', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });
  });

  test('the metrics namespace is Ec2Scheduler, in the functions env too', () => {
    expect(scheduler.metricsNamespace).toBe('Ec2Scheduler');
    for (const fn of [scheduler.startFunction, scheduler.stopFunction]) {
      expect(resourceOf(template, fn).Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'Ec2Scheduler',
      });
    }
  });

  test('no dashboard', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(scheduler.dashboard).toBeUndefined();
  });

  test.each(['start', 'stop'] as const)(
    'the %s role may write only the audit tag, only on instances of its schedules',
    (action) => {
      const role = action === 'start' ? scheduler.startRole : scheduler.stopRole;
      const statements = createTagsStatements(template, stack, role);
      expect(statements).toHaveLength(1);
      const [statement] = statements;
      expect(statement).toMatchObject({ Effect: 'Allow', Resource: ANY_INSTANCE_ARN });
      // With the role's start or stop, under one condition block (the names once).
      expect(actionsOf(statement)).toEqual([
        action === 'start' ? 'ec2:StartInstances' : 'ec2:StopInstances',
        'ec2:CreateTags',
      ]);
      expect(Object.keys(statement.Condition ?? {}).sort()).toEqual(
        ['ForAllValues:StringEquals', 'StringEquals'].sort(),
      );
      const names = [
        statement.Condition!.StringEquals['aws:ResourceTag/Schedule'],
      ].flat() as string[];
      expect([...names].sort()).toEqual(['nightly-stop', 'office-hours']);
      expect(Object.keys(statement.Condition!.StringEquals)).toEqual(['aws:ResourceTag/Schedule']);
      expect(statement.Condition!['ForAllValues:StringEquals']).toEqual({
        'aws:TagKeys': expect.anything(),
      });
      expect([statement.Condition!['ForAllValues:StringEquals']['aws:TagKeys']].flat()).toEqual([
        'Schedule:last-action',
      ]);
    },
  );

  test('a start input carries verifyTimeoutSeconds 180 and auditTags; a stop input only auditTags', () => {
    expect(inputOf(template, 'start', 'office-hours')).toMatchObject({
      verifyTimeoutSeconds: 180,
      auditTags: true,
    });
    for (const name of ['office-hours', 'nightly-stop']) {
      const stop = inputOf(template, 'stop', name);
      expect(stop.auditTags).toBe(true);
      expect(stop).not.toHaveProperty('verifyTimeoutSeconds');
    }
  });
});

describe('metricsNamespace, notificationEmails, dashboard, custom tagKey and verifyTimeout 0', () => {
  let stack: Stack;
  let scheduler: Ec2Scheduler;
  let template: Template;

  beforeAll(
    () =>
      ({ stack, scheduler, template } = build({
        metricsNamespace: 'Acme/Scheduler',
        notificationEmails: ['ops@example.com', 'oncall+ec2@example.org'],
        dashboard: true,
        tagKey: 'Team',
        verifyTimeout: Duration.seconds(0),
      })),
  );

  test('metricsNamespace flows to the failed-instances alarm and to both functions', () => {
    expect(scheduler.metricsNamespace).toBe('Acme/Scheduler');
    const stats = summedMetrics(resourceOf(template, scheduler.failedInstancesAlarm));
    expect(stats.map((s) => s.Metric.Namespace)).toEqual(Array(4).fill('Acme/Scheduler'));
    for (const fn of [scheduler.startFunction, scheduler.stopFunction]) {
      expect(resourceOf(template, fn).Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_METRICS_NAMESPACE: 'Acme/Scheduler',
      });
    }
  });

  test('each email gets an email subscription to the alarm topic', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.com', 'oncall+ec2@example.org']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: stack.resolve(scheduler.alarmTopic.topicArn),
      });
    }
  });

  describe('dashboard', () => {
    let widgets: ReturnType<typeof dashboardOf>['widgets'];

    beforeAll(() => {
      widgets = dashboardOf(template).widgets;
    });

    const widget = (title: string) => {
      const found = widgets.filter((w) => w.properties.title === title);
      expect(found).toHaveLength(1);
      return (found[0].properties.metrics ?? []).map(describeMetric);
    };

    test('is the public dashboard field', () => {
      expect(resourceOf(template, scheduler.dashboard!).Type).toBe('AWS::CloudWatch::Dashboard');
    });

    test.each(['office-hours', 'nightly-stop'])(
      '%s has its Auto Scaling groups started, stopped and failed, apart from its instances',
      (name) => {
        const metrics = widget(`${name}: Auto Scaling groups`);
        expect(metrics.every((m) => m.namespace === 'Acme/Scheduler' && m.stat === 'Sum')).toBe(
          true,
        );
        expect(metrics.every((m) => m.dimensions.Schedule === name)).toBe(true);
        expect(metrics.map((m) => `${m.name}/${m.dimensions.Action}`).sort()).toEqual(
          [
            'GroupsStarted/start',
            'GroupsStopped/stop',
            'GroupsFailed/start',
            'GroupsFailed/stop',
          ].sort(),
        );
      },
    );

    test.each(['office-hours', 'nightly-stop'])(
      '%s has its started, stopped, skipped and failed instances, in the namespace',
      (name) => {
        const metrics = [...widget(`${name}: instances`), ...widget(`${name}: failed`)];
        expect(metrics.every((m) => m.namespace === 'Acme/Scheduler' && m.stat === 'Sum')).toBe(
          true,
        );
        expect(metrics.every((m) => m.dimensions.Schedule === name)).toBe(true);
        expect(metrics.map((m) => `${m.name}/${m.dimensions.Action}`).sort()).toEqual(
          [
            'InstancesStarted/start',
            'InstancesStopped/stop',
            'InstancesSkipped/start',
            'InstancesSkipped/stop',
            'InstancesFailed/start',
            'InstancesFailed/stop',
          ].sort(),
        );
      },
    );

    test.each([
      ['Errors', /error/i],
      ['Duration', /duration/i],
    ])("has the functions' %s", (metricName, title) => {
      const found = widgets.filter((w) => title.test(w.properties.title));
      expect(found).toHaveLength(1);
      const metrics = (found[0].properties.metrics ?? []).map(describeMetric);
      expect(metrics.map((m) => [m.namespace, m.name, m.dimensions])).toEqual(
        [scheduler.startFunction, scheduler.stopFunction].map((fn) => [
          'AWS/Lambda',
          metricName,
          { FunctionName: stack.resolve(fn.functionName) },
        ]),
      );
    });

    test('has the dead-letter queue depth', () => {
      const metrics = widgets
        .flatMap((w) => w.properties.metrics ?? [])
        .map(describeMetric)
        .filter((m) => m.namespace === 'AWS/SQS');
      expect(metrics).toEqual([
        {
          namespace: 'AWS/SQS',
          name: 'ApproximateNumberOfMessagesVisible',
          dimensions: { QueueName: stack.resolve(scheduler.deadLetterQueue.queueName) },
          stat: 'Maximum',
        },
      ]);
    });
  });

  test.each(['start', 'stop'] as const)(
    'the %s role writes the audit tag of the custom tagKey',
    (action) => {
      const role = action === 'start' ? scheduler.startRole : scheduler.stopRole;
      const statements = createTagsStatements(template, stack, role);
      expect(statements).toHaveLength(1);
      const condition = statements[0].Condition!;
      expect(Object.keys(condition.StringEquals)).toEqual(['aws:ResourceTag/Team']);
      expect([condition.StringEquals['aws:ResourceTag/Team']].flat().sort()).toEqual([
        'nightly-stop',
        'office-hours',
      ]);
      expect([condition['ForAllValues:StringEquals']['aws:TagKeys']].flat()).toEqual([
        'Team:last-action',
      ]);
    },
  );

  test('verifyTimeout 0 puts verifyTimeoutSeconds 0 in the start input', () => {
    expect(inputOf(template, 'start', 'office-hours')).toMatchObject({
      verifyTimeoutSeconds: 0,
      auditTags: true,
      tagKey: 'Team',
    });
  });
});

describe('a given alarmTopic', () => {
  test('an imported topic receives every alarm; no topic is created, and the only key is for the logs', () => {
    const stack = testStack();
    const arn = 'arn:aws:sns:us-east-1:111122223333:ops-alarms';
    const topic = sns.Topic.fromTopicArn(stack, 'Ops', arn);
    const { scheduler, template } = build({ alarmTopic: topic }, stack);
    expect(scheduler.alarmTopic).toBe(topic);
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(keyPrincipals(template, scheduler)).not.toContain('cloudwatch.amazonaws.com');
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [arn] });
  });

  test("a topic of the user's stack is used as is: the only topic, and our only key is for the logs", () => {
    const stack = testStack();
    const topic = new sns.Topic(stack, 'Ops');
    const { scheduler, template } = build({ alarmTopic: topic }, stack);
    expect(scheduler.alarmTopic).toBe(topic);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    template.resourceCountIs('AWS::KMS::Key', 1);
    expect(keyPrincipals(template, scheduler)).not.toContain('cloudwatch.amazonaws.com');
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [stack.resolve(topic.topicArn)],
    });
  });
});

describe('auditTags: false', () => {
  test('no CreateTags permission, and the inputs say so', () => {
    const { stack, scheduler, template } = build({ auditTags: false });
    for (const role of [scheduler.startRole, scheduler.stopRole]) {
      expect(createTagsStatements(template, stack, role)).toEqual([]);
    }
    const inputs = inputsOf(template);
    expect(inputs).toHaveLength(3);
    expect(inputs.every((i) => i.auditTags === false)).toBe(true);
  });

  test('allows a tagKey of 119 characters, whose override tag has the full 128', () => {
    expect(() => build({ auditTags: false, tagKey: 'k'.repeat(119) })).not.toThrow();
  });
});

describe('validation', () => {
  test.each(['not-an-email', 'ops@example', 'ops@@example.com', 'ops @example.com', ''])(
    'notificationEmails %p is rejected',
    (email) => {
      expect(() => build({ notificationEmails: ['ops@example.com', email] })).toThrow(
        exactly(
          `notificationEmails contains "${email}", which is not an email address; give addresses like "ops@example.com"`,
        ),
      );
    },
  );

  test('a tagKey too long for its audit tag is rejected, with the fix', () => {
    const tagKey = 'k'.repeat(117);
    expect(() => build({ tagKey })).toThrow(
      exactly(
        `tagKey "${tagKey}" is 117 characters long; the audit tag "${tagKey}:last-action" derived from it is 129 characters, and EC2 tag keys are at most 128, so use a tagKey of at most 116 characters, or set auditTags: false`,
      ),
    );
  });

  test('a tagKey of 116 characters fits its audit tag', () => {
    const { stack, scheduler, template } = build({ tagKey: 'k'.repeat(116) });
    const [statement] = createTagsStatements(template, stack, scheduler.startRole);
    expect([statement.Condition!['ForAllValues:StringEquals']['aws:TagKeys']].flat()).toEqual([
      `${'k'.repeat(116)}:last-action`,
    ]);
  });

  test.each([
    ['equal to', Duration.minutes(5), Duration.minutes(5), 300, 300],
    ['longer than', Duration.minutes(5), Duration.minutes(10), 600, 300],
  ])(
    'a verifyTimeout %s timeout is rejected',
    (_name, timeout, verifyTimeout, verifySeconds, timeoutSeconds) => {
      expect(() => build({ timeout, verifyTimeout })).toThrow(
        exactly(
          `verifyTimeout ${verifySeconds} s does not fit inside the functions' timeout of ${timeoutSeconds} s; make it shorter than timeout, or Duration.seconds(0) to turn verification off`,
        ),
      );
    },
  );

  test('by default verification takes 3 minutes, or half of a shorter timeout', () => {
    expect(inputOf(build({}).template, 'start', 'office-hours').verifyTimeoutSeconds).toBe(180);
    const { template } = build({ timeout: Duration.minutes(2) });
    expect(inputOf(template, 'start', 'office-hours').verifyTimeoutSeconds).toBe(60);
  });

  test('a verifyTimeout shorter than timeout is accepted and reaches the start input', () => {
    const { template } = build({
      timeout: Duration.minutes(2),
      verifyTimeout: Duration.seconds(90),
    });
    expect(inputOf(template, 'start', 'office-hours').verifyTimeoutSeconds).toBe(90);
  });

  test.each([
    [
      '',
      'metricsNamespace "" is 0 characters long; CloudWatch namespaces are 1-255 characters, e.g. "Ec2Scheduler"',
    ],
    [
      'AWS/EC2',
      'metricsNamespace "AWS/EC2" starts with "AWS/", which AWS reserves for its services; pick a namespace such as "Ec2Scheduler"',
    ],
    [
      'Team|Ops',
      'metricsNamespace "Team|Ops" has characters CloudWatch does not allow; use letters, digits, spaces and . - _ / # :',
    ],
  ])('metricsNamespace %p is rejected at synth', (metricsNamespace, message) => {
    expect(() => build({ metricsNamespace })).toThrow(exactly(message));
  });

  test('notificationEmails next to a given alarmTopic draw a warning', () => {
    const stack = testStack();
    new Ec2Scheduler(stack, 'Scheduler', {
      alarmTopic: new sns.Topic(stack, 'Mine'),
      notificationEmails: ['ops@example.com'],
    }).addSchedule('office-hours', { stop: 'cron(0 17 ? * MON-FRI *)' });
    Annotations.fromStack(stack).hasWarning(
      '/Stack/Scheduler',
      Match.stringLikeRegexp(
        'notificationEmails are only subscribed to the topic the construct creates',
      ),
    );
  });
});

describe('cdk-nag AwsSolutions checks with every operations feature on', () => {
  test('validateScope reports no unacknowledged error', () => {
    // A plain App, as `cdk synth` runs it.
    const app = new App();
    const stack = new Stack(app, 'OperatedScheduler');
    const ebsKey = new kms.Key(stack, 'EbsKey', { enableKeyRotation: true });
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      timeZone: 'America/New_York',
      dashboard: true,
      notificationEmails: ['ops@example.com'],
      encryptionKeys: [ebsKey],
      metricsNamespace: 'Acme/Scheduler',
    });
    scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
    scheduler.addSchedule('nightly-stop', { stop: 'cron(0 22 * * ? *)' });

    expect(unacknowledgedNagErrors(app)).toEqual([]);
    // It did check the operations resources.
    expect(Template.fromStack(stack).findResources('AWS::SNS::Topic')).not.toEqual({});
  });
});
