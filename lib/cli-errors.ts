/** A bad argument to the `cdk-ec2-scheduler` command: printed with the usage, exit code 2. */
export class UsageError extends Error {}
