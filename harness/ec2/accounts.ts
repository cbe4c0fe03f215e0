/**
 * Many accounts and Regions behind one loopback EC2 URL, for a hub's runs: each request goes to
 * the EC2 of its account (told by the caller's access key: keys the loopback STS issues name
 * their account; any other key is the hub's own account) and Region (the SigV4 signing Region),
 * each a separate model with its own instances, token buckets and faults, as in AWS.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, serveOnLoopback } from '../loopback';
import { accountOfAccessKey } from '../sts-endpoint';
import { startEc2Endpoint, type Ec2Endpoint, type Ec2EndpointOptions } from './endpoint';
import { errorXml } from './wire';

/** `Credential=<key>/<date>/<region>/ec2/aws4_request` in a SigV4 Authorization header. */
const CREDENTIAL = /Credential=([^/]+)\/\d{8}\/([^/]+)\/ec2\/aws4_request/;

export class Ec2Accounts {
  readonly url: string;
  private readonly targets = new Map<string, Ec2Endpoint>();

  /** @internal use {@link startEc2Accounts}. */
  constructor(
    private readonly server: Server,
    private readonly options: Ec2EndpointOptions,
    /** The account of keys the loopback STS did not issue. */
    readonly hubAccount: string,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The EC2 of one account and Region, created on first use. */
  async target(account: string, region: string): Promise<Ec2Endpoint> {
    const key = `${account}/${region}`;
    let endpoint = this.targets.get(key);
    if (!endpoint) {
      endpoint = await startEc2Endpoint({ ...this.options, ownerId: account });
      this.targets.set(key, endpoint);
    }
    return endpoint;
  }

  /** Every account and Region created so far, as `account/region`. */
  keys(): string[] {
    return [...this.targets.keys()];
  }

  /** The EC2 a request is for; undefined when no such target was created. */
  route(authorization: string | undefined): Ec2Endpoint | undefined {
    const m = CREDENTIAL.exec(authorization ?? '');
    if (!m) return undefined;
    const account = accountOfAccessKey(m[1]) ?? this.hubAccount;
    return this.targets.get(`${account}/${m[2]}`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.targets.values()].map((t) => t.close()));
    await closeServer(this.server);
  }
}

/**
 * Starts the router; point `AWS_ENDPOINT_URL_EC2` at its `url`. A request for an account or
 * Region with no EC2 here answers `AuthFailure`, as EC2 does in a Region the account has not
 * enabled.
 */
export async function startEc2Accounts(
  options: Ec2EndpointOptions & { readonly hubAccount?: string } = {},
): Promise<Ec2Accounts> {
  const built: { accounts?: Ec2Accounts } = {};
  const server = await serveOnLoopback((req, body, res) => {
    const endpoint = built.accounts?.route(req.headers.authorization);
    if (endpoint) {
      void endpoint.process(req, body, res);
      return;
    }
    res.writeHead(401, { 'content-type': 'text/xml' });
    res.end(
      errorXml(
        'AuthFailure',
        'AWS was not able to validate the provided access credentials',
        'req-accounts',
      ),
    );
  });
  built.accounts = new Ec2Accounts(server, options, options.hubAccount ?? '123456789012');
  return built.accounts;
}
