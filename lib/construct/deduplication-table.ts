/**
 * The deduplication table: where the start and stop functions record each delivered event's run
 * (Powertools' idempotency records), so that a duplicate delivery does nothing; with the grants
 * and the environment variable the functions need.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DEDUPLICATION_TABLE } from '../common/shared-names';

/** The item actions the functions' store calls (Powertools' DynamoDBPersistenceLayer). */
export const DEDUPLICATION_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:GetItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
];

/**
 * The table, construct id `DeduplicationTable`: partition key `id` (string) and TTL on
 * `expiration`, as the functions' store keys and expires its records; on-demand (a few requests a
 * run); encrypted with DynamoDB's AWS managed key.
 */
export function createDeduplicationTable(scope: Construct): dynamodb.Table {
  return new dynamodb.Table(scope, 'DeduplicationTable', {
    partitionKey: { name: DEDUPLICATION_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: DEDUPLICATION_TABLE.expiryAttribute,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    // The records are transient (a day), so nothing needs recovering; point-in-time recovery is on
    // because Control Tower's CT.DYNAMODB.PR.1 (a CloudFormation hook where enabled) refuses a
    // table without it (cdk-nag's AwsSolutions-DDB3 warns too). It costs $0.20 per GB-month of a
    // table of a few KB.
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // DynamoDB's AWS managed key (aws/dynamodb): it passes Control Tower's CT.DYNAMODB.PR.2
    // (encrypted with a KMS key), has no monthly fee, and needs no KMS permission in the functions'
    // roles (its key policy lets the account's principals use it through DynamoDB). The scheduler's
    // own key would add five KMS actions to both roles, for records that hold a day's run summaries
    // (the same facts the logs hold); a user's key, possibly of another stack, would need a key
    // policy this construct cannot write.
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // It holds only transient records; a retained table would outlive the functions that use it.
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

/** The variable that names the table to a function; none without deduplication. */
export function deduplicationEnvironment(
  table: dynamodb.ITable | undefined,
): Record<string, string> {
  return table ? { [DEDUPLICATION_TABLE.environment]: table.tableName } : {};
}

/** Lets `role` call exactly the store's item actions, on the table only. */
export function grantDeduplication(role: iam.IRole, table: dynamodb.ITable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DeduplicationRecords',
      actions: DEDUPLICATION_ACTIONS,
      resources: [table.tableArn],
    }),
  );
}
