/**
 * `coverage: true`: the AWS Config rule that requires `<tagKey>` with one of the scheduler's
 * schedule names, its limits, the EventBridge rule that sends compliance changes to the alarm
 * topic, and what the topic and its key let that rule do.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Ec2Scheduler, type Ec2SchedulerProps } from '../lib';
import { testStack, unacknowledgedNagErrors } from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

/** A scheduler with office-hours, then (after construction, like every schedule) nightly-stop. */
function build(props: Ec2SchedulerProps = {}, stack = testStack(), more: string[] = []) {
  const scheduler = new Ec2Scheduler(stack, 'Scheduler', { coverage: true, ...props });
  scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
  scheduler.addSchedule('nightly-stop', { stop: 'cron(0 22 * * ? *)' });
  for (const name of more) scheduler.addSchedule(name, { stop: 'cron(0 23 * * ? *)' });
  return { stack, scheduler, template: Template.fromStack(stack) };
}

/** The statements of a policy document that name `service` as principal. */
function statementsFor(statements: Array<Record<string, unknown>>, service: string) {
  return statements.filter(
    (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: service }),
  );
}

function topicPolicyStatements(template: Template) {
  const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as Array<{
    Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } };
  }>;
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
}

function keyPolicyStatements(template: Template) {
  const keys = Object.values(template.findResources('AWS::KMS::Key')) as Array<{
    Properties: { KeyPolicy: { Statement: Array<Record<string, unknown>> } };
  }>;
  return keys.flatMap((k) => k.Properties.KeyPolicy.Statement);
}

/** The message of a synth-time validation error, as the thrown error carries it. */
function validationError(path: string, message: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`\\[${escape(path)}\\] ${escape(message)}$`, 'm');
}

describe('the Config rule', () => {
  const { stack, scheduler, template } = build();

  test('is the managed REQUIRED_TAGS check on EC2 instances, exposed as coverageRule', () => {
    template.resourceCountIs('AWS::Config::ConfigRule', 1);
    template.hasResourceProperties('AWS::Config::ConfigRule', {
      Source: { Owner: 'AWS', SourceIdentifier: 'REQUIRED_TAGS' },
      Scope: { ComplianceResourceTypes: ['AWS::EC2::Instance'] },
    });
    expect(stack.resolve(scheduler.coverageRule!.configRuleName)).toEqual({
      Ref: stack.getLogicalId(scheduler.coverageRule!.node.defaultChild as never),
    });
  });

  test("requires the tag key with the scheduler's schedule names, added after construction too", () => {
    template.hasResourceProperties('AWS::Config::ConfigRule', {
      InputParameters: { tag1Key: 'Schedule', tag1Value: 'office-hours,nightly-stop' },
    });
  });

  test('a custom tagKey and a third schedule', () => {
    build({ tagKey: 'Team/Schedule' }, testStack(), ['weekend']).template.hasResourceProperties(
      'AWS::Config::ConfigRule',
      {
        InputParameters: {
          tag1Key: 'Team/Schedule',
          tag1Value: 'office-hours,nightly-stop,weekend',
        },
      },
    );
  });

  test('a hub still creates one rule, in its own stack (its account and Region)', () => {
    const { template: hub } = build({
      targets: { accounts: ['111111111111'], regions: ['eu-west-1'] },
    });
    hub.resourceCountIs('AWS::Config::ConfigRule', 1);
  });
});

describe('limits', () => {
  // {"tag1Key":"Schedule","tag1Value":""} is 37 characters, so the names and their commas have 987.
  const names = (...lengths: number[]) =>
    lengths.map((n, i) => String.fromCharCode(97 + i).repeat(n));

  test('InputParameters of exactly 1024 characters are accepted', () => {
    // Two schedules of build() take 25 characters with their comma; 3 x 255 + 193 and 4 commas.
    expect(() => build({}, testStack(), names(255, 255, 255, 193))).not.toThrow();
  });

  test.each([
    ['names too long in all', names(255, 255, 255, 194), 'Schedule', 1025, 6, 988],
    [
      'many short names',
      Array.from({ length: 120 }, (_, i) => `team-${i}`),
      'Schedule',
      1032,
      122,
      995,
    ],
    ['a long tag key', names(200, 200, 200, 200, 200), 'k'.repeat(116), 1175, 7, 1030],
  ])(
    '%s: a synth error naming the field, the lengths and the fixes',
    (_name, more, tagKey, length, count, valueLength) => {
      expect(() => build({ tagKey }, testStack(), more)).toThrow(
        validationError(
          'Stack/Scheduler/CoverageRule',
          `coverage: the Config rule's InputParameters would be ${length} characters, and AWS Config takes at most 1024; tag1Value lists the ${count} schedule names of this scheduler (${valueLength} characters with the commas). Use shorter schedule names or fewer schedules in this scheduler (a second scheduler needs its own tagKey, as each coverage rule flags the values it does not list), or set coverage: false and find untagged instances with the cdk-ec2-scheduler coverage command`,
        ),
      );
    },
  );

  test('no schedules: synth fails as without coverage, so the rule never requires the key alone', () => {
    const stack = testStack();
    new Ec2Scheduler(stack, 'Scheduler', { coverage: true });
    expect(() => Template.fromStack(stack)).toThrow(
      /Ec2Scheduler "Stack\/Scheduler" has no schedules; call addSchedule\('office-hours'/,
    );
  });
});

describe('compliance changes', () => {
  const { stack, scheduler, template } = build();
  const ruleArn = () => stack.resolve(scheduler.coverageComplianceChange!.ruleArn);
  const topicArn = () => stack.resolve(scheduler.alarmTopic.topicArn);

  test("an EventBridge rule matches the Config rule's compliance changes only", () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.config'],
        'detail-type': ['Config Rules Compliance Change'],
        detail: { configRuleName: [stack.resolve(scheduler.coverageRule!.configRuleName)] },
      },
    });
  });

  test('it publishes to the alarm topic a message naming the instance, where, the compliance, the rule and the fix', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        Match.objectLike({
          Arn: topicArn(),
          RoleArn: Match.absent(),
          InputTransformer: {
            InputPathsMap: Match.objectEquals({
              'detail-resourceId': '$.detail.resourceId',
              account: '$.account',
              region: '$.region',
              'detail-newEvaluationResult-complianceType':
                '$.detail.newEvaluationResult.complianceType',
              'detail-oldEvaluationResult-complianceType':
                '$.detail.oldEvaluationResult.complianceType',
              'detail-configRuleName': '$.detail.configRuleName',
              'detail-newEvaluationResult-annotation': '$.detail.newEvaluationResult.annotation',
            }),
            InputTemplate: Match.stringLikeRegexp(
              [
                'EC2 instance <detail-resourceId> in account <account>, Region <region>: ',
                '<detail-newEvaluationResult-complianceType> \\(was <detail-oldEvaluationResult-complianceType>\\) ',
                'under the AWS Config rule <detail-configRuleName>\\. ',
                'NON_COMPLIANT means the tag Schedule is missing or names no schedule of the Ec2Scheduler Stack/Scheduler.*',
                'Allowed values: office-hours, nightly-stop\\. ',
                ".*Config's annotation: <detail-newEvaluationResult-annotation>",
              ].join(''),
            ),
          },
        }),
      ],
    });
  });

  test('the topic lets this EventBridge rule publish, and no other', () => {
    const forEvents = statementsFor(topicPolicyStatements(template), 'events.amazonaws.com');
    expect(forEvents).toEqual([
      {
        Sid: 'AllowThisSchedulersCoverageRuleToPublish',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topicArn(),
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnEquals: { 'aws:SourceArn': ruleArn() },
        },
      },
    ]);
  });

  test('the key lets EventBridge encrypt for the topic, without the source conditions it does not support there', () => {
    const forEvents = statementsFor(keyPolicyStatements(template), 'events.amazonaws.com');
    expect(forEvents).toEqual([
      {
        Sid: 'AllowEventBridgeToPublishToTheAlarmTopic',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      },
    ]);
  });

  test('the alarms keep their statements', () => {
    expect(statementsFor(topicPolicyStatements(template), 'cloudwatch.amazonaws.com')).toHaveLength(
      1,
    );
  });
});

describe('a given alarmTopic', () => {
  const warning = (stack: Stack) =>
    Annotations.fromStack(stack).findWarning(
      '/Stack/Scheduler',
      Match.stringLikeRegexp('coverage sends compliance changes to the given alarmTopic'),
    );

  test('of this stack, unencrypted: gets the publish statement, and no warning', () => {
    const stack = testStack();
    const { template } = build({ alarmTopic: new sns.Topic(stack, 'Mine') }, stack);
    expect(statementsFor(topicPolicyStatements(template), 'events.amazonaws.com')).toHaveLength(1);
    expect(warning(stack)).toEqual([]);
  });

  test('of this stack, KMS-encrypted: the statement, and a warning about its key, which is left alone', () => {
    const stack = testStack();
    const masterKey = new kms.Key(stack, 'MineKey', { enableKeyRotation: true });
    const { template } = build({ alarmTopic: new sns.Topic(stack, 'Mine', { masterKey }) }, stack);
    expect(statementsFor(topicPolicyStatements(template), 'events.amazonaws.com')).toHaveLength(1);
    expect(statementsFor(keyPolicyStatements(template), 'events.amazonaws.com')).toEqual([]);
    const [found] = warning(stack);
    expect(found.entry.data).toMatch(
      /if the topic is KMS-encrypted, its key policy must let events\.amazonaws\.com use kms:Decrypt and kms:GenerateDataKey\*/,
    );
    expect(found.entry.data).not.toMatch(/topic policy must/);
  });

  test('imported: nothing changed, and a warning with both statements to add', () => {
    const stack = testStack();
    const alarmTopic = sns.Topic.fromTopicArn(
      stack,
      'Theirs',
      'arn:aws:sns:us-east-1:111122223333:ops',
    );
    const { template } = build({ alarmTopic }, stack);
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
    const [found] = warning(stack);
    expect(found.entry.data).toMatch(
      /its topic policy must let events\.amazonaws\.com sns:Publish with aws:SourceArn equal to the rule \(coverageComplianceChange\.ruleArn\) and aws:SourceAccount this account; if the topic is KMS-encrypted/,
    );
  });
});

test('cdk-nag AwsSolutions: no unacknowledged error with coverage', () => {
  const app = new App();
  const { stack } = build({}, new Stack(app, 'Covered'));
  expect(unacknowledgedNagErrors(app)).toEqual([]);
  Template.fromStack(stack).resourceCountIs('AWS::Config::ConfigRule', 1);
});

describe('coverage off', () => {
  test('adds nothing: the same template as without the prop', () => {
    const off = build({ coverage: false }).template.toJSON();
    const stack = testStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler');
    scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
    scheduler.addSchedule('nightly-stop', { stop: 'cron(0 22 * * ? *)' });
    expect(off).toEqual(Template.fromStack(stack).toJSON());
  });

  test('no Config rule, no EventBridge rule, nothing for EventBridge on the topic or key', () => {
    const { scheduler, template } = build({ coverage: false });
    template.resourceCountIs('AWS::Config::ConfigRule', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(statementsFor(topicPolicyStatements(template), 'events.amazonaws.com')).toEqual([]);
    expect(statementsFor(keyPolicyStatements(template), 'events.amazonaws.com')).toEqual([]);
    expect(scheduler.coverageRule).toBeUndefined();
    expect(scheduler.coverageComplianceChange).toBeUndefined();
  });
});
