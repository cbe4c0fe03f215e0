/**
 * The coverage rule of an Ec2Scheduler (`coverage: true`): an AWS Config rule (the managed
 * REQUIRED_TAGS check) that finds EC2 instances whose `<tagKey>` is missing or names no schedule of
 * this scheduler, and an EventBridge rule that tells the alarm topic when an instance's compliance
 * changes.
 */
import { Annotations, Lazy, Stack } from 'aws-cdk-lib';
import * as config from 'aws-cdk-lib/aws-config';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/**
 * AWS Config's limit on a rule's `InputParameters`, the JSON text of its parameters: the API's
 * `ConfigRule.InputParameters` is a `StringWithCharLimit1024`.
 */
export const MAX_INPUT_PARAMETERS = 1024;

/** What the coverage rule needs of its scheduler. */
export interface CoverageOptions {
  readonly tagKey: string;
  /** The scheduler's schedule names, read at synth so later schedules are included. */
  readonly scheduleNames: () => string[];
  /** The alarm topic, created or given. */
  readonly topic: sns.ITopic;
  /** The key of the topic created here; undefined when the user gave the topic. */
  readonly createdTopicKey?: kms.Key;
  /** Path of the scheduler, named in the notification. */
  readonly schedulerPath: string;
}

/** The Config rule and the EventBridge rule that reports its compliance changes. */
export interface CoverageResources {
  readonly rule: config.ManagedRule;
  readonly complianceChange: events.Rule;
}

/**
 * Creates the Config rule (id `CoverageRule` in `scope`) and its compliance-change rule (id
 * `ComplianceChange` under it), and lets that rule, and no other, publish to the topic.
 */
export function createCoverageRule(scope: Construct, options: CoverageOptions): CoverageResources {
  const allowedValues = Lazy.string({ produce: () => options.scheduleNames().join(',') });
  const listed = Lazy.string({ produce: () => options.scheduleNames().join(', ') });
  const rule = new config.ManagedRule(scope, 'CoverageRule', {
    identifier: config.ManagedRuleIdentifiers.REQUIRED_TAGS,
    ruleScope: config.RuleScope.fromResources([config.ResourceType.EC2_INSTANCE]),
    inputParameters: { tag1Key: options.tagKey, tag1Value: allowedValues },
    description: `EC2 instances must carry the tag ${options.tagKey} naming a schedule of the Ec2Scheduler ${options.schedulerPath}`,
  });
  rule.node.addValidation({
    validate: () => inputParameterErrors(options.tagKey, options.scheduleNames()),
  });
  const complianceChange = rule.onComplianceChange('ComplianceChange', {
    description: `Tells the alarm topic of the Ec2Scheduler ${options.schedulerPath} when an EC2 instance's ${options.tagKey} tag becomes compliant or not`,
    target: new PublishToTopic(options.topic, notification(options, listed)),
  });
  allowToPublish(scope, options, complianceChange);
  return { rule, complianceChange };
}

/**
 * The notification: which instance, where, the new and old compliance, the rule, what is wrong
 * and what to do, and Config's own annotation. Fields absent from an event (the old result on a
 * first evaluation, an annotation Config did not give) come out empty.
 */
function notification(options: CoverageOptions, allowedValues: string): events.RuleTargetInput {
  const field = (path: string) => events.EventField.fromPath(path);
  const newType = field('$.detail.newEvaluationResult.complianceType');
  return events.RuleTargetInput.fromText(
    [
      `EC2 instance ${field('$.detail.resourceId')} in account ${field('$.account')}, Region ${field('$.region')}: ${newType} (was ${field('$.detail.oldEvaluationResult.complianceType')}) under the AWS Config rule ${field('$.detail.configRuleName')}.`,
      `NON_COMPLIANT means the tag ${options.tagKey} is missing or names no schedule of the Ec2Scheduler ${options.schedulerPath}, so no schedule starts or stops the instance. Allowed values: ${allowedValues}.`,
      // No angle brackets: the input template reads <name> as a placeholder.
      `Fix: set the tag ${options.tagKey} to one of them, or add the schedule it names. COMPLIANT means the instance is scheduled again.`,
      `Config's annotation: ${field('$.detail.newEvaluationResult.annotation')}`,
    ].join(' '),
  );
}

/**
 * An SNS target without the grant `targets.SnsTopic` makes: that one lets every EventBridge rule
 * (events.amazonaws.com, no condition) publish to the topic. {@link allowToPublish} names this rule.
 */
class PublishToTopic implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly message: events.RuleTargetInput,
  ) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, input: this.message, targetResource: this.topic };
  }
}

/**
 * The topic policy lets only `rule` publish (aws:SourceArn, aws:SourceAccount). The key policy of
 * the created topic lets EventBridge use the key without those conditions: SNS's guide says they
 * are not supported in a key policy for EventBridge publishing to an encrypted topic (delivery
 * fails with them), so the topic policy is where the rule is named.
 */
function allowToPublish(scope: Construct, options: CoverageOptions, rule: events.Rule): void {
  const stack = Stack.of(scope);
  const publish = new iam.PolicyStatement({
    sid: 'AllowThisSchedulersCoverageRuleToPublish',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [options.topic.topicArn],
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnEquals: { 'aws:SourceArn': rule.ruleArn },
    },
  });
  const useKey = new iam.PolicyStatement({
    sid: 'AllowEventBridgeToPublishToTheAlarmTopic',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
  });
  if (options.createdTopicKey) {
    options.topic.addToResourcePolicy(publish);
    options.createdTopicKey.addToResourcePolicy(useKey);
    return;
  }
  // A topic of this stack takes the statement; one of another stack would need this rule's ARN
  // from here (a reference the wrong way round), and an imported one has no policy to change.
  const added =
    Stack.of(options.topic) === stack && options.topic.addToResourcePolicy(publish).statementAdded;
  // A topic created in this stack tells whether it is encrypted; an imported one does not. The
  // user's key is left alone: the statement it needs has no condition to narrow it.
  if (added && options.topic.masterKey === undefined) return;
  const needs = [
    ...(added
      ? []
      : [
          'its topic policy must let events.amazonaws.com sns:Publish with aws:SourceArn equal to the rule (coverageComplianceChange.ruleArn) and aws:SourceAccount this account',
        ]),
    'if the topic is KMS-encrypted, its key policy must let events.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (with no aws:SourceArn or aws:SourceAccount condition: EventBridge does not support them there)',
  ];
  Annotations.of(scope).addWarningV2(
    'cdk-ec2-scheduler:coverageTopicPolicy',
    `coverage sends compliance changes to the given alarmTopic through an EventBridge rule: ${needs.join('; ')}; otherwise no notification arrives`,
  );
}

/**
 * The synth errors for parameters AWS Config would refuse at deploy time: the JSON text of
 * `{tag1Key, tag1Value}` must fit in {@link MAX_INPUT_PARAMETERS} characters.
 */
export function inputParameterErrors(tagKey: string, names: string[]): string[] {
  const tag1Value = names.join(',');
  const length = [...JSON.stringify({ tag1Key: tagKey, tag1Value })].length;
  if (length <= MAX_INPUT_PARAMETERS) return [];
  return [
    `coverage: the Config rule's InputParameters would be ${length} characters, and AWS Config takes at most ${MAX_INPUT_PARAMETERS}; tag1Value lists the ${names.length} schedule names of this scheduler (${[...tag1Value].length} characters with the commas). Use shorter schedule names or fewer schedules in this scheduler (a second scheduler needs its own tagKey, as each coverage rule flags the values it does not list), or set coverage: false and find untagged instances with the cdk-ec2-scheduler coverage command`,
  ];
}
