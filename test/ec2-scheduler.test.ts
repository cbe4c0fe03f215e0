import { App, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import { Ec2Scheduler, Ec2SchedulerProps } from '../lib';
import type { SchedulerEvent } from '../lib/contract/schedule-input';
import {
  ANY_INSTANCE_ARN,
  TemplateStatement,
  actionsGrantedTo,
  actionsOf,
  dependencyCycle,
  deployedValue,
  exactly,
  statementsOf,
  testStack,
  unacknowledgedNagErrors,
} from './support/app';
import { WEEKDAYS_17, WEEKDAYS_8 } from './support/crons';

interface ScheduleProperties {
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone?: string;
  readonly Target: { readonly Arn: unknown; readonly Input: string };
}

/** Every `AWS::Scheduler::Schedule` in the template, with its target input parsed. */
function schedulesIn(template: Template) {
  return Object.values(template.findResources('AWS::Scheduler::Schedule')).map((r) => {
    const props = (r as { Properties: ScheduleProperties }).Properties;
    return { props, input: JSON.parse(props.Target.Input) as SchedulerEvent };
  });
}

/** The input of the one schedule that runs `action` for the schedule named `name`. */
function inputOf(template: Template, action: 'start' | 'stop', name: string): SchedulerEvent {
  const found = schedulesIn(template).filter(
    (s) => s.input.action === action && s.input.schedule === name,
  );
  expect(found).toHaveLength(1);
  return found[0].input;
}

/** The template resource of an L2 construct (found through its CloudFormation resource). */
function resourceOf(template: Template, construct: IConstruct) {
  const logicalId = Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
  return template.toJSON().Resources[logicalId] as { Type: string; Properties: never };
}

/** A key policy statement: an IAM statement with its principal. */
type KeyStatement = TemplateStatement & { readonly Principal?: unknown };

/** The statements of `role` that grant `action`. */
function statementsGranting(
  template: Template,
  stack: Stack,
  role: Parameters<typeof statementsOf>[2],
  action: string,
): TemplateStatement[] {
  return statementsOf(template, stack, role).filter((s) => actionsOf(s).includes(action));
}

describe('a scheduler with three schedules and default props', () => {
  let stack: Stack;
  let scheduler: Ec2Scheduler;
  let template: Template;

  beforeAll(() => {
    stack = testStack();
    scheduler = new Ec2Scheduler(stack, 'Scheduler', { timeZone: 'America/New_York' });
    scheduler.addSchedule('office-hours', {
      start: WEEKDAYS_8,
      stop: WEEKDAYS_17,
      skipDates: ['2027-12-24', '2027-12-31'],
    });
    scheduler.addSchedule('berlin-lab', {
      start: 'cron(30 7 ? * MON-FRI *)',
      stop: 'cron(0 19 ? * MON-FRI *)',
      timeZone: 'Europe/Berlin',
      hibernate: true,
    });
    // Added last, long after the roles were created: its name must still reach their conditions.
    scheduler.addSchedule('nightly-stop', { stop: 'cron(0 22 * * ? *)' });
    template = Template.fromStack(stack);
  });

  describe('EventBridge Scheduler schedules', () => {
    test('one schedule per start and per stop; a stop-only schedule gets no start', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 5);
      expect(
        schedulesIn(template)
          .map((s) => `${s.input.schedule}:${s.input.action}`)
          .sort(),
      ).toEqual([
        'berlin-lab:start',
        'berlin-lab:stop',
        'nightly-stop:stop',
        'office-hours:start',
        'office-hours:stop',
      ]);
    });

    test.each([
      ['office-hours', 'start', WEEKDAYS_8, 'America/New_York'],
      ['office-hours', 'stop', WEEKDAYS_17, 'America/New_York'],
      ['berlin-lab', 'start', 'cron(30 7 ? * MON-FRI *)', 'Europe/Berlin'],
      ['berlin-lab', 'stop', 'cron(0 19 ? * MON-FRI *)', 'Europe/Berlin'],
      ['nightly-stop', 'stop', 'cron(0 22 * * ? *)', 'America/New_York'],
    ] as const)('%s %s: %s in %s', (name, action, expression, timeZone) => {
      const fn = action === 'start' ? scheduler.startFunction : scheduler.stopFunction;
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: expression,
        ScheduleExpressionTimezone: timeZone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: Match.objectLike({
          Arn: stack.resolve(fn.functionArn),
          Input: Match.serializedJson(Match.objectLike({ action, schedule: name })),
        }),
      });
    });

    test('every target retries 3 times for up to an hour, then goes to the dead-letter queue', () => {
      template.allResourcesProperties('AWS::Scheduler::Schedule', {
        Target: Match.objectLike({
          RoleArn: stack.resolve(scheduler.schedulerRole.roleArn),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: stack.resolve(scheduler.deadLetterQueue.queueArn) },
        }),
      });
    });
  });

  describe('target input', () => {
    test('a start carries everything the run needs', () => {
      expect(inputOf(template, 'start', 'office-hours')).toStrictEqual({
        version: 1,
        action: 'start',
        schedule: 'office-hours',
        tagKey: 'Schedule',
        timeZone: 'America/New_York',
        skipDates: ['2027-12-24', '2027-12-31'],
        hibernate: false,
        dryRun: false,
        auditTags: true,
        verifyTimeoutSeconds: 180,
        opposites: [WEEKDAYS_17],
        maxOverrideSeconds: 604800,
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
    });

    test("a stop carries hibernate, the schedule's own time zone and the start as opposite", () => {
      expect(inputOf(template, 'stop', 'berlin-lab')).toStrictEqual({
        version: 1,
        action: 'stop',
        schedule: 'berlin-lab',
        tagKey: 'Schedule',
        timeZone: 'Europe/Berlin',
        skipDates: [],
        hibernate: true,
        dryRun: false,
        auditTags: true,
        opposites: ['cron(30 7 ? * MON-FRI *)'],
        maxOverrideSeconds: 604800,
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
    });

    test('a stop-only schedule has no opposite transition', () => {
      const input = inputOf(template, 'stop', 'nightly-stop');
      expect(input).not.toHaveProperty('opposites');
      expect(input).toMatchObject({ schedule: 'nightly-stop', timeZone: 'America/New_York' });
    });
  });

  describe('dead-letter queue', () => {
    test('is one SQS queue with SQS-managed encryption', () => {
      template.resourceCountIs('AWS::SQS::Queue', 1);
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    });

    test('is marked as a dead-letter queue with a RedriveAllowPolicy (Control Tower CT.SQS.PR.1)', () => {
      // allowAll is what SQS assumes without the policy; denyAll would fail CT.SQS.PR.1.
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedriveAllowPolicy: { redrivePermission: 'allowAll' },
      });
    });

    test('refuses requests that do not use SSL', () => {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [stack.resolve(scheduler.deadLetterQueue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });
  });

  describe('functions and logs', () => {
    test('exactly two functions, however many schedules: Node.js 24 on arm64', () => {
      template.resourceCountIs('AWS::Lambda::Function', 2);
      template.allResourcesProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
      });
    });

    test('run outside a VPC, with no security group', () => {
      template.allResourcesProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
      template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
      expect(scheduler.securityGroups).toEqual([]);
    });

    test('each function runs as its own role and logs to its own log group', () => {
      for (const [fn, role, logGroup] of [
        [scheduler.startFunction, scheduler.startRole, scheduler.startLogGroup],
        [scheduler.stopFunction, scheduler.stopRole, scheduler.stopLogGroup],
      ] as const) {
        expect(resourceOf(template, fn).Properties).toMatchObject({
          Role: stack.resolve(role.roleArn),
          LoggingConfig: { LogGroup: stack.resolve(logGroup.logGroupName) },
        });
      }
    });

    test('log groups keep logs for a year and are retained when the stack is deleted', () => {
      template.resourceCountIs('AWS::Logs::LogGroup', 2);
      template.allResources('AWS::Logs::LogGroup', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { RetentionInDays: 365 },
      });
    });

    test("each role writes only to its own function's log group", () => {
      for (const [role, logGroup] of [
        [scheduler.startRole, scheduler.startLogGroup],
        [scheduler.stopRole, scheduler.stopLogGroup],
      ] as const) {
        const logStatements = statementsOf(template, stack, role).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('logs:')),
        );
        expect(logStatements.flatMap(actionsOf)).toContain('logs:PutLogEvents');
        for (const statement of logStatements) {
          expect(statement.Resource).toEqual(stack.resolve(logGroup.logGroupArn));
        }
      }
    });
  });

  describe('IAM', () => {
    test.each([
      ['start', 'ec2:StartInstances', 'ec2:StopInstances'],
      ['stop', 'ec2:StopInstances', 'ec2:StartInstances'],
    ] as const)(
      'the %s role may %s only on instances tagged with a schedule name, and not %s',
      (action, allowed, denied) => {
        const role = action === 'start' ? scheduler.startRole : scheduler.stopRole;
        const statements = statementsGranting(template, stack, role, allowed);
        expect(statements).toHaveLength(1);
        // One statement with the audit tag's CreateTags: the schedule names appear once.
        expect(statements[0]).toMatchObject({
          Effect: 'Allow',
          Action: [allowed, 'ec2:CreateTags'],
          Resource: ANY_INSTANCE_ARN,
        });
        const condition = statements[0].Condition;
        expect(Object.keys(condition ?? {}).sort()).toEqual([
          'ForAllValues:StringEquals',
          'StringEquals',
        ]);
        // True for the start or stop, which carries no tag keys; CreateTags the audit key only.
        expect(condition!['ForAllValues:StringEquals']).toEqual({
          'aws:TagKeys': ['Schedule:last-action'],
        });
        expect(Object.keys(condition!.StringEquals)).toEqual(['aws:ResourceTag/Schedule']);
        const names = [condition!.StringEquals['aws:ResourceTag/Schedule']].flat();
        // nightly-stop was added last: the list is built at synth, not at construction.
        expect([...(names as string[])].sort()).toEqual([
          'berlin-lab',
          'nightly-stop',
          'office-hours',
        ]);
        expect(actionsGrantedTo(template, stack, role)).not.toContain(denied);
      },
    );

    test('both roles may describe instances, on * (it has no resource-level permissions)', () => {
      for (const role of [scheduler.startRole, scheduler.stopRole]) {
        expect(statementsGranting(template, stack, role, 'ec2:DescribeInstances')).toEqual([
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'ec2:DescribeInstances',
            Resource: '*',
          }),
        ]);
      }
    });

    test('no other EC2 action is granted, and nothing on ec2:*', () => {
      for (const role of [scheduler.startRole, scheduler.stopRole]) {
        const ec2 = actionsGrantedTo(template, stack, role).filter((a) => a.startsWith('ec2:'));
        expect(ec2.sort()).toEqual(
          [
            'ec2:CreateTags',
            'ec2:DescribeInstances',
            role === scheduler.startRole ? 'ec2:StartInstances' : 'ec2:StopInstances',
          ].sort(),
        );
      }
    });

    test('no role uses an AWS managed policy', () => {
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });

    test('without encryptionKeys no role gets KMS permissions', () => {
      for (const role of [scheduler.startRole, scheduler.stopRole]) {
        expect(actionsGrantedTo(template, stack, role).filter((a) => a.startsWith('kms:'))).toEqual(
          [],
        );
      }
    });

    test("every schedule is in the scheduler's own schedule group", () => {
      template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
      expect(resourceOf(template, scheduler.scheduleGroup).Type).toBe(
        'AWS::Scheduler::ScheduleGroup',
      );
      template.allResourcesProperties('AWS::Scheduler::Schedule', {
        GroupName: stack.resolve(scheduler.scheduleGroup.scheduleGroupName),
      });
    });

    test("EventBridge Scheduler may assume the scheduler role only for this scheduler's schedule group, from this account", () => {
      // EventBridge Scheduler gives the schedule group's ARN as aws:SourceArn.
      expect(resourceOf(template, scheduler.schedulerRole).Properties).toMatchObject({
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRole',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnEquals: {
                  'aws:SourceArn': stack.resolve(scheduler.scheduleGroup.scheduleGroupArn),
                },
              },
            },
          ],
        },
      });
    });

    test('the scheduler role may invoke the two functions (not their versions) and send to the dead-letter queue, nothing more', () => {
      const grants = statementsOf(template, stack, scheduler.schedulerRole).flatMap((s) => {
        expect(s.Effect).toBe('Allow');
        expect(s.Condition).toBeUndefined();
        return actionsOf(s).flatMap((action) =>
          [s.Resource].flat().map((resource) => ({ action, resource })),
        );
      });
      expect(grants).toHaveLength(3);
      expect(grants).toEqual(
        expect.arrayContaining([
          {
            action: 'lambda:InvokeFunction',
            resource: stack.resolve(scheduler.startFunction.functionArn),
          },
          {
            action: 'lambda:InvokeFunction',
            resource: stack.resolve(scheduler.stopFunction.functionArn),
          },
          {
            action: 'sqs:SendMessage',
            resource: stack.resolve(scheduler.deadLetterQueue.queueArn),
          },
        ]),
      );
    });
  });

  describe('encryption at rest', () => {
    /** The key policy statements of the key the scheduler created. */
    const keyStatements = () =>
      (
        resourceOf(template, scheduler.encryptionKey!).Properties as {
          KeyPolicy: { Statement: KeyStatement[] };
        }
      ).KeyPolicy.Statement;

    test('one key, rotating, encrypts both log groups and the alarm topic', () => {
      template.resourceCountIs('AWS::KMS::Key', 1);
      expect(resourceOf(template, scheduler.encryptionKey!).Properties).toMatchObject({
        EnableKeyRotation: true,
      });
      const keyArn = stack.resolve(scheduler.encryptionKey!.keyArn);
      template.allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn });
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn });
    });

    test('CloudWatch Logs may use the key for the two log groups and no other', () => {
      const forLogs = keyStatements().filter((s) =>
        JSON.stringify(s.Principal ?? {}).includes('logs.'),
      );
      expect(forLogs).toHaveLength(1);
      expect(forLogs[0]).toMatchObject({
        Effect: 'Allow',
        Principal: { Service: stack.resolve(`logs.${stack.region}.amazonaws.com`) },
        Resource: '*',
      });
      expect(Object.keys(forLogs[0].Condition!)).toEqual(['ArnEquals']);
      expect(Object.keys(forLogs[0].Condition!.ArnEquals)).toEqual([
        'kms:EncryptionContext:aws:logs:arn',
      ]);
      // The ARNs, as deployed, are those of the two log groups: their names are fixed and known
      // before the log groups exist (the log groups need the key first).
      const names = [scheduler.startLogGroup, scheduler.stopLogGroup].map((logGroup) =>
        deployedValue(
          (resourceOf(template, logGroup).Properties as { LogGroupName: unknown }).LogGroupName,
        ),
      );
      expect(
        deployedValue(forLogs[0].Condition!.ArnEquals['kms:EncryptionContext:aws:logs:arn']),
      ).toEqual(names.map((name) => `arn:aws:logs:us-east-1:111122223333:log-group:${name}`));
    });

    test("the log groups' names are unique to the stack and the scheduler, and carry the stack id, so a stack made anew does not collide with log groups an earlier one retained", () => {
      const names = [scheduler.startLogGroup, scheduler.stopLogGroup].map((logGroup) =>
        deployedValue(
          (resourceOf(template, logGroup).Properties as { LogGroupName: unknown }).LogGroupName,
        ),
      );
      // `Stack-Scheduler-<hash of the path>`, then the first block of the stack id's UUID.
      expect(names).toEqual([
        expect.stringMatching(/^\/ec2-scheduler\/Stack-Scheduler-[0-9A-F]{8}-1c2fa620\/start$/),
        expect.stringMatching(/^\/ec2-scheduler\/Stack-Scheduler-[0-9A-F]{8}-1c2fa620\/stop$/),
      ]);
    });

    test('the key lets no one create a grant that is not for an AWS resource (Control Tower CT.KMS.PR.3), and denies nothing else', () => {
      const denies = keyStatements().filter((s) => s.Effect === 'Deny');
      expect(denies).toEqual([
        {
          Sid: 'DenyGrantsExceptForAwsResources',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:CreateGrant',
          Resource: '*',
          Condition: {
            BoolIfExists: {
              'kms:GrantIsForAWSResource': 'false',
              'aws:PrincipalIsAWSService': 'false',
            },
          },
        },
      ]);
    });
  });

  test('the template has no dependency cycle (key policy, log groups, alarms, topic)', () => {
    expect(dependencyCycle(template)).toBeUndefined();
  });

  describe('public fields are the created resources', () => {
    test('functions, roles and queue', () => {
      expect(resourceOf(template, scheduler.startFunction).Type).toBe('AWS::Lambda::Function');
      expect(resourceOf(template, scheduler.stopFunction).Type).toBe('AWS::Lambda::Function');
      expect(resourceOf(template, scheduler.startRole).Type).toBe('AWS::IAM::Role');
      expect(resourceOf(template, scheduler.stopRole).Type).toBe('AWS::IAM::Role');
      expect(resourceOf(template, scheduler.schedulerRole).Type).toBe('AWS::IAM::Role');
      expect(resourceOf(template, scheduler.deadLetterQueue).Type).toBe('AWS::SQS::Queue');
      expect(scheduler.startFunction).not.toBe(scheduler.stopFunction);
      expect(scheduler.startRole).not.toBe(scheduler.stopRole);
    });

    test('schedules lists each named schedule with its EventBridge schedules', () => {
      expect(scheduler.schedules.map((s) => s.name)).toEqual([
        'office-hours',
        'berlin-lab',
        'nightly-stop',
      ]);
      const [office, , nightly] = scheduler.schedules;
      expect(resourceOf(template, office.startSchedule!).Properties).toMatchObject({
        ScheduleExpression: WEEKDAYS_8,
      });
      expect(resourceOf(template, office.stopSchedule!).Properties).toMatchObject({
        ScheduleExpression: WEEKDAYS_17,
      });
      expect(nightly.startSchedule).toBeUndefined();
      expect(resourceOf(template, nightly.stopSchedule!).Properties).toMatchObject({
        ScheduleExpression: 'cron(0 22 * * ? *)',
      });
    });
  });
});

describe('a scheduler with custom props and a start-only schedule', () => {
  let stack: Stack;
  let scheduler: Ec2Scheduler;
  let key: kms.Key;
  let template: Template;
  const IMPORTED_KEY_ARN =
    'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  beforeAll(() => {
    stack = testStack();
    key = new kms.Key(stack, 'EbsKey');
    scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      tagKey: 'ScheduleGroup',
      timeZone: 'Asia/Tokyo',
      encryptionKeys: [key, kms.Key.fromKeyArn(stack, 'ImportedKey', IMPORTED_KEY_ARN)],
      dryRun: true,
      retryAttempts: 5,
      maxEventAge: Duration.hours(2),
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    scheduler.addSchedule('weekday-start', { start: 'cron(0 9 ? * MON-FRI *)' });
    template = Template.fromStack(stack);
  });

  test('a start-only schedule creates only its start schedule', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
      Target: Match.objectLike({ Arn: stack.resolve(scheduler.startFunction.functionArn) }),
    });
  });

  test('retryAttempts and maxEventAge set the target retry policy', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7200 },
      }),
    });
  });

  test('dryRun and tagKey flow into the input', () => {
    expect(inputOf(template, 'start', 'weekday-start')).toMatchObject({
      dryRun: true,
      tagKey: 'ScheduleGroup',
      timeZone: 'Asia/Tokyo',
    });
    expect(inputOf(template, 'start', 'weekday-start')).not.toHaveProperty('opposites');
  });

  test('a custom tagKey is the IAM condition key of both roles', () => {
    for (const [role, action] of [
      [scheduler.startRole, 'ec2:StartInstances'],
      [scheduler.stopRole, 'ec2:StopInstances'],
    ] as const) {
      expect(statementsGranting(template, stack, role, action)).toEqual([
        expect.objectContaining({
          Resource: ANY_INSTANCE_ARN,
          Condition: {
            StringEquals: { 'aws:ResourceTag/ScheduleGroup': ['weekday-start'] },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['ScheduleGroup:last-action'] },
          },
        }),
      ]);
    }
  });

  test('encryptionKeys lets the start role, and only it, create grants for AWS resources', () => {
    const grants = statementsGranting(template, stack, scheduler.startRole, 'kms:CreateGrant');
    expect(grants.length).toBeGreaterThan(0);
    for (const statement of grants) {
      expect(statement).toMatchObject({
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
    }
    expect(grants.flatMap((s) => [s.Resource].flat())).toEqual(
      expect.arrayContaining([stack.resolve(key.keyArn), IMPORTED_KEY_ARN]),
    );
    expect(grants.flatMap((s) => [s.Resource].flat())).toHaveLength(2);
    expect(
      actionsGrantedTo(template, stack, scheduler.stopRole).filter((a) => a.startsWith('kms:')),
    ).toEqual([]);
  });

  test('logRetention sets the retention of both log groups', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

test('a stop-only schedule creates only its stop schedule', () => {
  const stack = testStack();
  const scheduler = new Ec2Scheduler(stack, 'Scheduler');
  scheduler.addSchedule('evening', { stop: 'cron(0 19 ? * MON-FRI *)' });
  const template = Template.fromStack(stack);
  template.resourceCountIs('AWS::Scheduler::Schedule', 1);
  template.hasResourceProperties('AWS::Scheduler::Schedule', {
    ScheduleExpression: 'cron(0 19 ? * MON-FRI *)',
    ScheduleExpressionTimezone: 'UTC',
    Target: Match.objectLike({ Arn: stack.resolve(scheduler.stopFunction.functionArn) }),
  });
  expect(scheduler.schedules[0].startSchedule).toBeUndefined();
});

describe('vpc, vpcSubnets and securityGroups', () => {
  const SUBNETS = ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'];

  /** A stack with an imported VPC of two private subnets. */
  function vpcStack(app?: App) {
    const stack = app ? new Stack(app, 'InVpc') : testStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      privateSubnetIds: SUBNETS,
    });
    return { stack, vpc };
  }

  test("with vpc alone, both functions run in the VPC's private subnets with one security group created here, outbound HTTPS only", () => {
    const { stack, vpc } = vpcStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', { vpc });
    scheduler.addSchedule('evening', { stop: WEEKDAYS_17 });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    expect(scheduler.securityGroups).toHaveLength(1);
    const securityGroupId = stack.resolve(scheduler.securityGroups[0].securityGroupId);
    template.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: SUBNETS, SecurityGroupIds: [securityGroupId] },
    });
    expect(
      resourceOf(template, scheduler.securityGroups[0] as ec2.SecurityGroup).Properties,
    ).toMatchObject({
      VpcId: 'vpc-0123456789abcdef0',
      SecurityGroupEgress: [
        expect.objectContaining({
          CidrIp: '0.0.0.0/0',
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
        }),
      ],
    });
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    expect(dependencyCycle(template)).toBeUndefined();
  });

  test('in a VPC each role may manage the network interfaces Lambda attaches, and uses no managed policy', () => {
    const { stack, vpc } = vpcStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', { vpc });
    scheduler.addSchedule('evening', { stop: WEEKDAYS_17 });
    const template = Template.fromStack(stack);
    for (const role of [scheduler.startRole, scheduler.stopRole]) {
      expect(statementsOf(template, stack, role)).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Resource: '*',
          Action: expect.arrayContaining([
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ]),
        }),
      );
    }
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('given vpcSubnets and securityGroups are used as they are; no security group is created', () => {
    const { stack, vpc } = vpcStack();
    const mine = ec2.SecurityGroup.fromSecurityGroupId(stack, 'Mine', 'sg-0123456789abcdef0');
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      vpc,
      vpcSubnets: { subnets: [vpc.privateSubnets[1]] },
      securityGroups: [mine],
    });
    scheduler.addSchedule('evening', { stop: WEEKDAYS_17 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(scheduler.securityGroups).toEqual([mine]);
    template.allResourcesProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: [SUBNETS[1]], SecurityGroupIds: ['sg-0123456789abcdef0'] },
    });
  });

  test.each([
    [
      'vpcSubnets',
      (): Ec2SchedulerProps => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } }),
    ],
    [
      'securityGroups',
      (stack: Stack): Ec2SchedulerProps => ({
        securityGroups: [
          ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0'),
        ],
      }),
    ],
  ])('%s without vpc is rejected', (_name, props) => {
    const stack = testStack();
    expect(() => new Ec2Scheduler(stack, 'Scheduler', props(stack))).toThrow(
      exactly(
        'vpcSubnets and securityGroups place the functions in a VPC; give vpc as well, or leave them out to run the functions outside a VPC',
      ),
    );
  });

  test('cdk-nag: with vpc, no unacknowledged error', () => {
    const app = new App();
    const { stack, vpc } = vpcStack(app);
    new Ec2Scheduler(stack, 'Scheduler', { vpc }).addSchedule('evening', { stop: WEEKDAYS_17 });
    expect(unacknowledgedNagErrors(app)).toEqual([]);
  });
});

describe('logEncryptionKey', () => {
  test("a key of the stack encrypts the log groups, and CloudWatch Logs may use it for them; the scheduler's own key then serves only the alarm topic", () => {
    const stack = testStack();
    const logKey = new kms.Key(stack, 'LogKey', { enableKeyRotation: true });
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', { logEncryptionKey: logKey });
    scheduler.addSchedule('evening', { stop: WEEKDAYS_17 });
    const template = Template.fromStack(stack);

    template.allResourcesProperties('AWS::Logs::LogGroup', {
      KmsKeyId: stack.resolve(logKey.keyArn),
    });
    const statements = (key: kms.Key) =>
      (resourceOf(template, key).Properties as { KeyPolicy: { Statement: KeyStatement[] } })
        .KeyPolicy.Statement;
    const forLogs = (key: kms.Key) =>
      statements(key).filter((s) => JSON.stringify(s.Principal ?? {}).includes('logs.'));
    expect(forLogs(logKey)).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Condition: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': [expect.anything(), expect.anything()],
          },
        },
      }),
    ]);
    expect(scheduler.encryptionKey).toBeDefined();
    expect(forLogs(scheduler.encryptionKey!)).toEqual([]);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: stack.resolve(scheduler.encryptionKey!.keyArn),
    });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('logEncryptionKey'));
  });

  test('with alarmTopic as well, the scheduler creates no key', () => {
    const stack = testStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      logEncryptionKey: new kms.Key(stack, 'LogKey'),
      alarmTopic: sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:us-east-1:111122223333:ops'),
    });
    scheduler.addSchedule('evening', { stop: WEEKDAYS_17 });
    expect(scheduler.encryptionKey).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::KMS::Key', 1);
  });

  test('an imported key encrypts the log groups; synth warns that its policy must let CloudWatch Logs use it', () => {
    const stack = testStack();
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', {
      logEncryptionKey: kms.Key.fromKeyArn(stack, 'LogKey', arn),
    });
    scheduler.addSchedule('evening', { stop: WEEKDAYS_17 });
    Template.fromStack(stack).allResourcesProperties('AWS::Logs::LogGroup', { KmsKeyId: arn });
    Annotations.fromStack(stack).hasWarning(
      '/Stack/Scheduler',
      Match.stringLikeRegexp(
        'logEncryptionKey is not a key of this stack.*logs.<region>.amazonaws.com.*kms:EncryptionContext:aws:logs:arn.*/ec2-scheduler/',
      ),
    );
  });
});

describe('what the functions are told of their deployment (issue 9)', () => {
  test('both functions know the tag key and every schedule name, including schedules added after them', () => {
    const stack = testStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', { tagKey: 'Team' });
    scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
    scheduler.addSchedule('evening-stop', { stop: 'cron(0 19 * * ? *)' });
    const template = Template.fromStack(stack);
    for (const fn of [scheduler.startFunction, scheduler.stopFunction]) {
      const variables = (
        resourceOf(template, fn).Properties as {
          Environment: { Variables: Record<string, string> };
        }
      ).Environment.Variables;
      expect(variables.EC2_SCHEDULER_TAG_KEY).toBe('Team');
      expect(JSON.parse(variables.EC2_SCHEDULER_SCHEDULES)).toEqual([
        'office-hours',
        'evening-stop',
      ]);
    }
  });

  test("schedule names that do not fit in Lambda's 4 KB of environment fail synth, naming the limit", () => {
    const stack = testStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler');
    for (let k = 0; k < 20; k++) {
      scheduler.addSchedule(`${'team-'.repeat(40)}${k}`, { stop: 'cron(0 19 * * ? *)' });
    }
    expect(() => Template.fromStack(stack)).toThrow(
      /environment of Stack\/Scheduler\/StartFunction takes \d+ bytes, over Lambda's limit of 4 KB \(4096 bytes\).*fewer or shorter schedule names/,
    );
  });

  test("the environment check counts the deduplication table's name at its longest (255 characters), not as its Ref", () => {
    // Names that fit beside a 40-byte Ref but not beside a 255-character deployed table name.
    const fill = (dedup: boolean) => {
      const stack = testStack();
      const scheduler = new Ec2Scheduler(stack, 'Scheduler', { deduplication: dedup });
      const name = (k: number) => `${'n'.repeat(200)}${k}`;
      for (let k = 0; k < 18; k++) scheduler.addSchedule(name(k), { stop: 'cron(0 19 * * ? *)' });
      return () => Template.fromStack(stack);
    };
    expect(fill(false)).not.toThrow();
    expect(fill(true)).toThrow(/over Lambda's limit of 4 KB/);
  });

  test('Lambda does not re-run a failed run: the functions have no asynchronous retries', () => {
    const stack = testStack();
    new Ec2Scheduler(stack, 'Scheduler').addSchedule('office-hours', {
      start: WEEKDAYS_8,
      stop: WEEKDAYS_17,
    });
    const template = Template.fromStack(stack);
    const configs = template.findResources('AWS::Lambda::EventInvokeConfig');
    expect(Object.values(configs).map((c) => (c as { Properties: unknown }).Properties)).toEqual([
      expect.objectContaining({ MaximumRetryAttempts: 0, Qualifier: '$LATEST' }),
      expect.objectContaining({ MaximumRetryAttempts: 0, Qualifier: '$LATEST' }),
    ]);
  });
});

describe('deduplication of deliveries', () => {
  const build = (props: Ec2SchedulerProps = {}) => {
    const stack = testStack();
    const scheduler = new Ec2Scheduler(stack, 'Scheduler', props);
    scheduler.addSchedule('office-hours', { start: WEEKDAYS_8, stop: WEEKDAYS_17 });
    return { stack, scheduler, template: Template.fromStack(stack) };
  };

  test('by default: one on-demand table keyed by id, TTL on expiration, encrypted, PITR on, deleted with the stack', () => {
    const { scheduler, template } = build();
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(scheduler.deduplicationTable).toBeDefined();
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // SSEEnabled without a key: DynamoDB's AWS managed key (aws/dynamodb).
        SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
      },
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });

  test('each function role may put, get, update and delete items, on the table alone', () => {
    const { stack, scheduler, template } = build();
    const tableArn = stack.resolve(scheduler.deduplicationTable!.tableArn);
    for (const role of [scheduler.startRole, scheduler.stopRole]) {
      const statements = statementsOf(template, stack, role).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:')),
      );
      expect(statements).toEqual([
        {
          Sid: 'DeduplicationRecords',
          Effect: 'Allow',
          Action: [
            'dynamodb:PutItem',
            'dynamodb:GetItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
          ],
          Resource: tableArn,
        },
      ]);
    }
  });

  test('both functions get the table name in EC2_SCHEDULER_DEDUPLICATION_TABLE', () => {
    const { stack, scheduler, template } = build();
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Array<{
      Properties: { Environment: { Variables: Record<string, unknown> } };
    }>;
    expect(functions).toHaveLength(2);
    for (const fn of functions) {
      expect(fn.Properties.Environment.Variables.EC2_SCHEDULER_DEDUPLICATION_TABLE).toEqual(
        stack.resolve(scheduler.deduplicationTable!.tableName),
      );
    }
  });

  test('deduplication: false creates no table, no grant and no variable', () => {
    const { stack, scheduler, template } = build({ deduplication: false });
    expect(scheduler.deduplicationTable).toBeUndefined();
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    for (const role of [scheduler.startRole, scheduler.stopRole]) {
      expect(
        actionsGrantedTo(template, stack, role).filter((a) => a.startsWith('dynamodb:')),
      ).toEqual([]);
    }
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.not(
          Match.objectLike({ EC2_SCHEDULER_DEDUPLICATION_TABLE: Match.anyValue() }),
        ),
      },
    });
  });

  test('cdk-nag: the table and its grants raise no finding, and need no acknowledgement', () => {
    const app = new App();
    const stack = new Stack(app, 'Dedup');
    new Ec2Scheduler(stack, 'Scheduler').addSchedule('office-hours', {
      start: WEEKDAYS_8,
      stop: WEEKDAYS_17,
    });
    expect(unacknowledgedNagErrors(app)).toEqual([]);
    const onTable = app.node
      .findAll()
      .filter((c) => c.node.path.includes('DeduplicationTable'))
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(onTable).toEqual([]);
  });
});
