/**
 * The alarm topic an Ec2Scheduler creates when none is given: encrypted with the scheduler's key,
 * SSL-only, and open to this scheduler's four alarms and no other.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { alarmNames } from './monitoring';

/**
 * Creates the topic (id `AlarmTopic` in `scope`). Topic policy and key policy both name the
 * alarms by ARN (aws:SourceArn), which their fixed names make known before they exist.
 */
export function createAlarmTopic(
  scope: Construct,
  key: kms.Key,
  emails: readonly string[],
  alarmNamePrefix: string,
): sns.Topic {
  const stack = Stack.of(scope);
  const alarmArns = alarmNames(alarmNamePrefix).map((alarmName) =>
    stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: alarmName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
  const fromTheseAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
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
  const topic = new sns.Topic(scope, 'AlarmTopic', {
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
  for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
  return topic;
}
