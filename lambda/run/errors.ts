/**
 * What an AWS error means to a run: a readable code for every error (including answers that are
 * not AWS errors at all, such as a proxy's HTML 502), and whether it is throttling, a deadline, or
 * a transient fault worth retrying. What EC2's errors say of instances is `ec2/instance-errors.ts`.
 */

interface AwsErrorShape {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly statusCode?: number };
}

/**
 * Names the SDK gives an error when the answer carried no usable code: `Unknown` (an error body
 * it could not read a code from), `Error`/`SyntaxError` (a body it could not parse at all).
 */
const NO_CODE_NAMES = new Set(['Unknown', 'UnknownError', 'Error', 'SyntaxError', 'TypeError']);

export const THROTTLE_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'TooManyRequestsException',
]);

/** EC2 codes that say EC2 itself failed, not the request: worth sending again as they are. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

function shape(err: unknown): AwsErrorShape {
  return typeof err === 'object' && err !== null ? (err as AwsErrorShape) : {};
}

function statusOf(err: AwsErrorShape): number | undefined {
  return err.$metadata?.httpStatusCode ?? err.$response?.statusCode;
}

/** The code AWS gave the error, if it gave one. */
function awsCode(err: AwsErrorShape): string | undefined {
  if (typeof err.Code === 'string' && err.Code !== '') return err.Code;
  if (typeof err.name === 'string' && err.name !== '' && !NO_CODE_NAMES.has(err.name)) {
    return err.name;
  }
  // Node's network errors: ECONNRESET, ETIMEDOUT, ...
  if (typeof err.code === 'string' && /^E[A-Z]+$/.test(err.code)) return err.code;
  return undefined;
}

/**
 * A readable code for any error: AWS's code; else `HttpError<status>` for an answer with an
 * error status and no readable code (e.g. an HTML 502 from a load balancer); else
 * `MalformedResponse` for a success status whose body could not be read; else `Error`.
 */
export function errorCode(err: unknown): string {
  const e = shape(err);
  const code = awsCode(e);
  if (code) return code;
  const status = statusOf(e);
  if (status !== undefined && status >= 300) return `HttpError${status}`;
  if (status !== undefined) return 'MalformedResponse';
  return 'Error';
}

export function errorMessage(err: unknown): string {
  const message = shape(err).message;
  return typeof message === 'string' && message !== '' ? message : String(err);
}

/** `Code: message`, one line, for logs and summaries. */
export function describeError(err: unknown): { errorCode: string; message: string } {
  return { errorCode: errorCode(err), message: errorMessage(err).split('\n')[0] };
}

/** An error's code and message as log attributes (Powertools' Logger reserves `message`). */
export function logAttributes(error: { errorCode: string; message: string }) {
  return { errorCode: error.errorCode, errorMessage: error.message };
}

export function isThrottle(err: unknown): boolean {
  return THROTTLE_CODES.has(errorCode(err)) || statusOf(shape(err)) === 429;
}

/** The call was cut off by the run's deadline (its abort signal). */
export function isAbort(err: unknown): boolean {
  return shape(err).name === 'AbortError';
}

/**
 * A fault of EC2 or of the way to it, not of the request: sending the same request again may
 * work. Network errors and timeouts, EC2's own `InternalError`/`Unavailable`, and 5xx answers
 * that carry no EC2 code. An EC2 error about the request or its instances (e.g.
 * `InsufficientInstanceCapacity`, which EC2 sends with HTTP 500) is not: the run isolates those.
 */
export function isTransientFault(err: unknown): boolean {
  const e = shape(err);
  if (isAbort(err)) return false;
  const code = awsCode(e);
  const status = statusOf(e);
  if (code === undefined) return status === undefined || status >= 500;
  if (TRANSIENT_CODES.has(code) || code === 'TimeoutError') return true;
  // A network error has a Node code and no HTTP answer.
  return status === undefined && /^E[A-Z]+$/.test(code);
}
