/**
 * A loopback fake of the Amazon EKS API (REST JSON, 2017-11-01) for tests: the model (`model.ts`)
 * served over HTTP with the routes `@aws-sdk/client-eks` uses, so a client (or a bundled handler,
 * through `AWS_ENDPOINT_URL_EKS`) reaches it. Errors carry `x-amzn-ErrorType` and a JSON body with
 * `message` (and the exception's fields). Any other route answers 404 `NotFoundException`.
 * Signatures are not checked. Times are epoch seconds, as restJson1 sends them.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AutoScalingModel } from '../autoscaling';
import { accessKeyOf, closeServer, startLoopbackFake } from '../loopback';
import { type EksAction, EksModel } from './model';
import { EksError, type ModelNodegroup, type ModelUpdate } from './nodegroups';

/** A request the endpoint received. */
export interface EksRequest {
  readonly action: EksAction | 'Unknown';
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly status: number;
  readonly errorCode?: string;
  /** The access key id the request was signed with: whose credentials acted. */
  readonly accessKeyId?: string;
}

type Answer = { readonly action: EksAction; readonly run: () => unknown };

export class EksEndpoint extends EksModel {
  /** Base URL; pass as `endpoint` or `AWS_ENDPOINT_URL_EKS`. */
  readonly url: string;
  readonly requests: EksRequest[] = [];

  /** @internal use {@link startEksEndpoint}. */
  constructor(
    private readonly server: Server,
    now: () => number,
    autoScaling?: AutoScalingModel,
  ) {
    super(now, autoScaling);
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The requests of one action. */
  calls(action: EksAction): EksRequest[] {
    return this.requests.filter((r) => r.action === action);
  }

  override reset(): void {
    super.reset();
    this.requests.length = 0;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** @internal */
  process(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    let body: Record<string, unknown> = {};
    let status = 200;
    let payload: unknown;
    let errorCode: string | undefined;
    let action: EksAction | 'Unknown' = 'Unknown';
    try {
      body = raw.trim() ? (JSON.parse(raw) as Record<string, unknown>) : {};
      const answer = this.route(method, url, body);
      action = answer.action;
      this.admit(answer.action);
      payload = answer.run();
    } catch (caught) {
      const e =
        caught instanceof EksError
          ? caught
          : new EksError('ServerException', `Fake EKS bug: ${String(caught)}`);
      status = e.status;
      errorCode = e.code;
      payload = { message: e.message, ...e.fields };
    }
    this.requests.push({
      action,
      method,
      path: url.pathname,
      body,
      status,
      ...(errorCode ? { errorCode } : {}),
      accessKeyId: accessKeyOf(req),
    });
    const text = JSON.stringify(payload ?? {});
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
      ...(errorCode ? { 'x-amzn-ErrorType': errorCode } : {}),
    });
    res.end(text);
  }

  /** The action a request names and how to answer it; throws {@link EksError} for no route. */
  private route(method: string, url: URL, body: Record<string, unknown>): Answer {
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const q = url.searchParams;
    const page = { max: Number(q.get('maxResults') ?? 100), token: q.get('nextToken') };
    if (parts[0] === 'tags' && parts.length === 2) {
      const arn = parts[1];
      if (method === 'GET')
        return {
          action: 'ListTagsForResource',
          run: () => ({ tags: Object.fromEntries(this.byArn(arn).tags) }),
        };
      if (method === 'POST')
        return { action: 'TagResource', run: () => this.tagArn(arn, body.tags) };
      if (method === 'DELETE')
        return {
          action: 'UntagResource',
          run: () => {
            const ng = this.byArn(arn);
            for (const k of q.getAll('tagKeys')) ng.tags.delete(k);
            return {};
          },
        };
    }
    if (parts[0] === 'clusters' && method === 'GET' && parts.length === 1)
      return { action: 'ListClusters', run: () => this.listClusters(page) };
    const [, cluster, sub, name, verb] = parts;
    if (parts[0] === 'clusters' && sub === 'node-groups') {
      if (method === 'GET' && parts.length === 3)
        return { action: 'ListNodegroups', run: () => this.listNodegroups(cluster, page) };
      if (method === 'GET' && parts.length === 4)
        return {
          action: 'DescribeNodegroup',
          run: () => ({ nodegroup: this.nodegroupJson(this.find(cluster, name)) }),
        };
      if (method === 'POST' && verb === 'update-config' && parts.length === 5)
        return {
          action: 'UpdateNodegroupConfig',
          run: () => ({ update: updateJson(this.scale(cluster, name, body)) }),
        };
    }
    if (parts[0] === 'clusters' && sub === 'updates' && method === 'GET' && parts.length === 4)
      return {
        action: 'DescribeUpdate',
        run: () => ({ update: updateJson(this.describeUpdate(cluster, name, q)) }),
      };
    throw new EksError('NotFoundException', `No route for ${method} ${url.pathname}`, 404);
  }

  private listClusters(page: { max: number; token: string | null }): unknown {
    const names = [...new Set([...this.nodegroups.values()].map((n) => n.clusterName))].sort();
    return paged('clusters', names, page);
  }

  private listNodegroups(cluster: string, page: { max: number; token: string | null }): unknown {
    const names = [...this.nodegroups.values()]
      .filter((n) => n.clusterName === cluster)
      .map((n) => n.name);
    if (names.length === 0)
      throw new EksError('ResourceNotFoundException', `No cluster found for name: ${cluster}.`);
    return paged('nodegroups', names, page);
  }

  private scale(cluster: string, name: string, body: Record<string, unknown>): ModelUpdate {
    const s = (body.scalingConfig ?? {}) as Record<string, number | undefined>;
    const change = Object.fromEntries(
      (['minSize', 'maxSize', 'desiredSize'] as const)
        .filter((k) => s[k] !== undefined)
        .map((k) => [k, s[k]]),
    );
    if (Object.keys(change).length === 0)
      throw new EksError('InvalidParameterException', 'No changes needed');
    return this.updateScaling(cluster, name, change);
  }

  private describeUpdate(cluster: string, id: string, q: URLSearchParams): ModelUpdate {
    const u = this.updates.get(id);
    const ng = q.get('nodegroupName');
    if (!u || u.clusterName !== cluster || (ng !== null && ng !== u.nodegroupName)) {
      throw new EksError('ResourceNotFoundException', `No update found for ID: ${id}`);
    }
    return u;
  }

  private tagArn(arn: string, tags: unknown): unknown {
    const ng = this.byArn(arn);
    const entries = Object.entries((tags ?? {}) as Record<string, string>);
    const keys = new Set([...ng.tags.keys(), ...entries.map(([k]) => k)]);
    if (entries.length === 0 || keys.size > 50) {
      throw new EksError('BadRequestException', 'tags must hold 1 to 50 entries');
    }
    for (const [k, v] of entries) ng.tags.set(k, v);
    return {};
  }

  private nodegroupJson(ng: ModelNodegroup): unknown {
    return {
      nodegroupName: ng.name,
      nodegroupArn: ng.arn,
      clusterName: ng.clusterName,
      version: '1.33',
      releaseVersion: '1.33.0-20261201',
      createdAt: ng.createdAt / 1000,
      modifiedAt: ng.modifiedAt / 1000,
      status: this.statusOf(ng),
      capacityType: 'ON_DEMAND',
      scalingConfig: ng.scaling,
      instanceTypes: ['t3.medium'],
      subnets: ['subnet-0123456789abcdef0'],
      amiType: 'AL2023_x86_64_STANDARD',
      nodeRole: `arn:aws:iam::${this.account}:role/eks-node`,
      resources: {
        autoScalingGroups: ng.autoScalingGroup ? [{ name: ng.autoScalingGroup }] : [],
      },
      diskSize: 20,
      health: { issues: [] },
      updateConfig: { maxUnavailable: 1 },
      tags: Object.fromEntries(ng.tags),
    };
  }
}

function updateJson(u: ModelUpdate): unknown {
  return {
    id: u.id,
    status: u.status,
    type: 'ConfigUpdate',
    params: u.params,
    createdAt: u.createdAt / 1000,
    errors: u.errors,
  };
}

function paged(
  field: string,
  names: readonly string[],
  page: { max: number; token: string | null },
): unknown {
  if (!Number.isInteger(page.max) || page.max < 1 || page.max > 100) {
    throw new EksError('InvalidParameterException', 'maxResults must be from 1 to 100');
  }
  const from = page.token ? Number(page.token) : 0;
  const to = from + page.max;
  return {
    [field]: names.slice(from, to),
    ...(to < names.length ? { nextToken: String(to) } : {}),
  };
}

/**
 * Starts a fake EKS endpoint on 127.0.0.1 (random port), on the clock `now` (default the wall
 * clock), its node groups backed by `autoScaling`'s groups when given; `close()` it.
 */
export function startEksEndpoint(
  now: () => number = () => Date.now(),
  autoScaling?: AutoScalingModel,
): Promise<EksEndpoint> {
  return startLoopbackFake((server) => new EksEndpoint(server, now, autoScaling));
}
