/**
 * The AWS JSON protocols (awsJson1_0, awsJson1_1) as the loopback fakes of CloudWatch and the
 * Price List API speak them: `POST /` with `X-Amz-Target: <Service>.<Operation>`, JSON bodies, and
 * errors as `{ "__type": ..., "message": ... }`. Services that moved from the Query protocol
 * (CloudWatch: `awsQueryCompatible`) also send `x-amzn-query-error: <Code>;<Sender|Receiver>`,
 * from which the SDK takes the error's `Code`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An error answer: its `__type` (the SDK's error name), message and HTTP status. */
export class AwsJsonError extends Error {
  constructor(
    /** The `__type`, e.g. `InvalidParameterValueException`; the SDK's `name`. */
    readonly type: string,
    message: string,
    readonly status = 400,
    /** The Query-protocol code (`x-amzn-query-error`), e.g. `InvalidParameterValue`. */
    readonly queryCode?: string,
  ) {
    super(message);
  }

  /** What the call log records: the Query code where there is one, else the type. */
  get code(): string {
    return this.queryCode ?? this.type;
  }
}

/** The operation an `X-Amz-Target` names for `prefix` (e.g. `GraniteServiceVersion20100801`). */
export function targetOperation(req: IncomingMessage, prefix: string): string {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.startsWith(`${prefix}.`) ? target.slice(prefix.length + 1) : '';
}

/**
 * Checks the SigV4 `Authorization` header names `service` in its credential scope (as AWS does
 * before anything else); the signature itself is not checked. Returns the scope's Region.
 */
export function checkCredentialScope(
  req: IncomingMessage,
  service: string,
  queryCompatible: boolean,
): string {
  const auth = String(req.headers.authorization ?? '');
  if (!auth) {
    throw new AwsJsonError(
      'MissingAuthenticationTokenException',
      'Missing Authentication Token',
      403,
      queryCompatible ? 'MissingAuthenticationToken' : undefined,
    );
  }
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  if (!scope || scope[2] !== service) {
    throw new AwsJsonError(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${service}'. `,
      403,
      queryCompatible ? 'InvalidSignatureException' : undefined,
    );
  }
  return scope[1];
}

/** Parses a request body (an empty body is `{}`), or throws SerializationException. */
export function parseJsonBody(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = body.trim() === '' ? {} : JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new AwsJsonError(
    'SerializationException',
    'Start of structure or map found where not expected.',
  );
}

/** Writes a JSON answer (`version`: '1.0' or '1.1') with a request id. */
export function sendJson(
  res: ServerResponse,
  version: '1.0' | '1.1',
  status: number,
  payload: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': `application/x-amz-json-${version}`,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
    ...extraHeaders,
  });
  res.end(body);
}

/** Writes an error answer; with `queryCompatible`, also the `x-amzn-query-error` header. */
export function sendJsonError(
  res: ServerResponse,
  version: '1.0' | '1.1',
  error: AwsJsonError,
  queryCompatible: boolean,
): void {
  const headers: Record<string, string> = {};
  if (queryCompatible && error.queryCode) {
    headers['x-amzn-query-error'] =
      `${error.queryCode};${error.status >= 500 ? 'Receiver' : 'Sender'}`;
  }
  sendJson(res, version, error.status, { __type: error.type, message: error.message }, headers);
}
