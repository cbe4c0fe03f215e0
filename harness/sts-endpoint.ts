/**
 * A loopback fake of AWS STS AssumeRole (Query API, the wire format `@aws-sdk/client-sts`
 * uses), for a hub's runs across accounts: each role it is told of can be assumed; any other
 * answers AccessDenied, as a spoke without the role (or whose trust denies the hub) does. The
 * credentials it issues name their account in the access key id (`ASIA` + 12 digits + 4), so the
 * EC2 router (`ec2/accounts.ts`) can tell accounts apart as EC2 does by the caller's identity.
 * Faults per role: `hang` (the request is never answered, as a black-holed endpoint) and
 * `throttle` (every request answers `Throttling`, so the SDK's retries are spent).
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, serveOnLoopback } from './loopback';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The account an access key id issued here belongs to, or undefined for any other key. */
export function accountOfAccessKey(accessKeyId: string): string | undefined {
  return /^ASIA(\d{12})[A-Z0-9]{4}$/.exec(accessKeyId)?.[1];
}

export interface AssumeRoleRecord {
  readonly roleArn: string;
  readonly sessionName: string;
  /** False when refused, throttled or never answered. */
  readonly granted: boolean;
  /** The fault that answered it, if any. */
  readonly fault?: 'hang' | 'throttle';
}

export class StsEndpoint {
  readonly url: string;
  readonly requests: AssumeRoleRecord[] = [];
  private readonly roles = new Set<string>();
  private readonly faults = new Map<string, 'hang' | 'throttle'>();

  /** @internal use {@link startStsEndpoint}. */
  constructor(private readonly server: Server) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Lets the role be assumed (`arn:aws:iam::<account>:role/<name>`). */
  allow(roleArn: string): void {
    this.roles.add(roleArn);
  }

  /** AssumeRole of the role is never answered (the connection stays open until closed). */
  hang(roleArn: string): void {
    this.faults.set(roleArn, 'hang');
  }

  /** Every AssumeRole of the role answers `Throttling` (HTTP 400), as STS does over its rate. */
  throttle(roleArn: string): void {
    this.faults.set(roleArn, 'throttle');
  }

  reset(): void {
    this.roles.clear();
    this.faults.clear();
    this.requests.length = 0;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** @internal the answer, or undefined for a request never answered */
  answer(body: string): { status: number; xml: string } | undefined {
    const params = new URLSearchParams(body);
    const requestId = randomUUID();
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    if (params.get('Action') !== 'AssumeRole') {
      return errorXml(
        400,
        'InvalidAction',
        `${params.get('Action')} is not supported here`,
        requestId,
      );
    }
    const fault = this.faults.get(roleArn);
    if (fault) {
      this.requests.push({ roleArn, sessionName, granted: false, fault });
      return fault === 'hang' ? undefined : errorXml(400, 'Throttling', 'Rate exceeded', requestId);
    }
    const granted = this.roles.has(roleArn);
    this.requests.push({ roleArn, sessionName, granted });
    const account = /^arn:aws[\w-]*:iam::(\d{12}):role\/(.+)$/.exec(roleArn);
    if (!granted || !account || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      return errorXml(
        403,
        'AccessDenied',
        `User: arn:aws:sts::123456789012:assumed-role/hub is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
        requestId,
      );
    }
    const suffix = randomUUID().replace(/-/g, '').slice(0, 4).toUpperCase();
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return {
      status: 200,
      xml:
        `<AssumeRoleResponse xmlns="${XMLNS}"><AssumeRoleResult>` +
        `<Credentials><AccessKeyId>ASIA${account[1]}${suffix}</AccessKeyId>` +
        `<SecretAccessKey>fake-secret-${suffix}</SecretAccessKey>` +
        `<SessionToken>fake-token-${suffix}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROAFAKE:${sessionName}</AssumedRoleId>` +
        `<Arn>arn:aws:sts::${account[1]}:assumed-role/${account[2]}/${sessionName}</Arn></AssumedRoleUser>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    };
  }
}

function errorXml(status: number, code: string, message: string, requestId: string) {
  const esc = message.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return {
    status,
    xml: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/** Starts a loopback STS; point `AWS_ENDPOINT_URL_STS` at its `url`. */
export async function startStsEndpoint(): Promise<StsEndpoint> {
  const built: { endpoint?: StsEndpoint } = {};
  const server = await serveOnLoopback((_req, body, res) => {
    const answer = built.endpoint!.answer(body);
    if (!answer) return; // never answered: closeServer ends the connection
    res.writeHead(answer.status, { 'content-type': 'text/xml' });
    res.end(answer.xml);
  });
  built.endpoint = new StsEndpoint(server);
  return built.endpoint;
}
