/**
 * How an EventBridge Scheduler schedule of an Ec2Scheduler reaches its function, and the
 * construct id each schedule gets.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';

/**
 * `LambdaInvoke` that lets the scheduler role invoke the function itself, not its versions and
 * aliases (`<arn>:*`): the schedules invoke the unqualified function ARN, so that is all they need.
 */
export class InvokeFunction extends targets.LambdaInvoke {
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
export function scheduleConstructId(name: string): string {
  return `Schedule-${name.replace(/[^A-Za-z0-9.-]/gu, (c) => `_${c.codePointAt(0)?.toString(16).toUpperCase()}_`)}`;
}
