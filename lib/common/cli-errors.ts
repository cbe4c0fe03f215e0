/** A bad argument to the `cdk-ec2-scheduler` command: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/**
 * A value the command was given that the account or the schedules refuse (an unknown instance, a
 * time too far ahead): printed without the usage, exit code 2, and nothing was written.
 */
export class InputError extends Error {}

/** An AWS call failed: printed with the operation and the error code, exit code 1. */
export class AwsCallError extends Error {
  constructor(
    readonly operation: string,
    readonly code: string,
    message: string,
  ) {
    super(`${operation} failed: ${code === 'Error' ? '' : `${code}: `}${message}`);
  }

  /**
   * The error of an AWS SDK call: the service's error code, or the network's (ECONNREFUSED). An
   * AwsCallError already (thrown by the credentials, e.g. a failed AssumeRole) stays as it is: it
   * names the call that failed.
   */
  static of(operation: string, err: unknown): AwsCallError {
    if (err instanceof AwsCallError) return err;
    const e = err as { name?: string; code?: unknown; message?: string };
    if (e.name === 'CredentialsProviderError') {
      return new AwsCallError(
        operation,
        'no AWS credentials',
        `${e.message ?? ''}; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role provides them`,
      );
    }
    const code =
      e.name && e.name !== 'Error' ? e.name : typeof e.code === 'string' ? e.code : 'Error';
    return new AwsCallError(operation, code, e.message || String(err));
  }
}
