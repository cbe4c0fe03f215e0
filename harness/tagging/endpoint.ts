/**
 * A loopback fake of the Resource Groups Tagging API (JSON 1.1, target prefix
 * `ResourceGroupsTaggingAPI_20170126`) for tests: `GetResources` over the EKS fake's node groups
 * (resource type `eks:nodegroup`), as `@aws-sdk/client-resource-groups-tagging-api` calls it.
 * Filters follow the API reference: TagFilters are ANDed, the values of one filter ORed, a filter
 * without values matches any value of its key; ResourceTypeFilters are `service` or
 * `service:type`; ResourcesPerPage is 1 to 100; the last page's PaginationToken is the empty
 * string, as the service sends it. Other operations answer `InvalidParameterException` here
 * (the real service has them; the scheduler does not call them). The credential scope must name
 * `tagging`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AwsJsonError,
  checkCredentialScope,
  parseJsonBody,
  sendJson,
  sendJsonError,
  targetOperation,
} from '../aws-json';
import type { EksModel } from '../eks';
import { closeServer, startLoopbackFake } from '../loopback';
import { type BucketLimit, TokenBucket } from '../token-bucket';

export const TAGGING_TARGET_PREFIX = 'ResourceGroupsTaggingAPI_20170126';

/** A request the endpoint received. */
export interface TaggingRequest {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  readonly status: number;
  readonly errorCode?: string;
}

interface TagFilter {
  readonly Key?: string;
  readonly Values?: readonly string[];
}

export class TaggingEndpoint {
  /** Base URL; pass as `endpoint` or `AWS_ENDPOINT_URL_RESOURCE_GROUPS_TAGGING_API`. */
  readonly url: string;
  readonly requests: TaggingRequest[] = [];
  private bucket: TokenBucket | undefined;
  private throttled = 0;

  /** @internal use {@link startTaggingEndpoint}. */
  constructor(
    private readonly server: Server,
    private readonly eks: EksModel,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The next `n` calls answer `ThrottledException`. */
  throttleNext(n: number): void {
    this.throttled = n;
  }

  /** One token bucket for every call (false: none); a test chooses the figures. */
  setRateLimit(limit: BucketLimit | false): void {
    this.bucket = limit === false ? undefined : new TokenBucket(limit, this.eks.time());
  }

  reset(): void {
    this.requests.length = 0;
    this.bucket = undefined;
    this.throttled = 0;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** @internal */
  process(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const operation = targetOperation(req, TAGGING_TARGET_PREFIX);
    let body: Record<string, unknown> = {};
    try {
      checkCredentialScope(req, 'tagging', false);
      body = parseJsonBody(raw);
      this.admit();
      if (operation !== 'GetResources') {
        throw new AwsJsonError(
          'InvalidParameterException',
          `This fake answers GetResources only, not ${operation || '(none)'}`,
        );
      }
      const payload = this.getResources(body);
      this.requests.push({ operation, body, status: 200 });
      sendJson(res, '1.1', 200, payload);
    } catch (caught) {
      const e =
        caught instanceof AwsJsonError
          ? caught
          : new AwsJsonError(
              'InternalServiceException',
              `Fake Tagging API bug: ${String(caught)}`,
              500,
            );
      this.requests.push({ operation, body, status: e.status, errorCode: e.type });
      sendJsonError(res, '1.1', e, false);
    }
  }

  private admit(): void {
    if (this.throttled > 0) {
      this.throttled--;
      throw new AwsJsonError('ThrottledException', 'Rate exceeded');
    }
    if (this.bucket) {
      const now = this.eks.time();
      if (this.bucket.level(now) < 1) throw new AwsJsonError('ThrottledException', 'Rate exceeded');
      this.bucket.take(1, now);
    }
  }

  private getResources(body: Record<string, unknown>): unknown {
    const perPage = body.ResourcesPerPage === undefined ? 100 : Number(body.ResourcesPerPage);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
      throw new AwsJsonError(
        'InvalidParameterException',
        `ResourcesPerPage must be from 1 to 100, not ${String(body.ResourcesPerPage)}`,
      );
    }
    const types = (body.ResourceTypeFilters ?? []) as readonly string[];
    const filters = (body.TagFilters ?? []) as readonly TagFilter[];
    this.eks.settleDue();
    const matching = [...this.eks.nodegroups.values()].filter(
      (ng) =>
        (types.length === 0 || types.some((t) => t === 'eks' || t === 'eks:nodegroup')) &&
        filters.every((f) => {
          const value = ng.tags.get(f.Key ?? '');
          return value !== undefined && (!f.Values?.length || f.Values.includes(value));
        }),
    );
    const token = typeof body.PaginationToken === 'string' ? body.PaginationToken : '';
    const from = token === '' ? 0 : Number(token);
    if (!Number.isInteger(from) || from < 0) {
      throw new AwsJsonError('PaginationTokenExpiredException', 'The pagination token is invalid');
    }
    const page = matching.slice(from, from + perPage);
    const next = from + perPage < matching.length ? String(from + perPage) : '';
    return {
      PaginationToken: next,
      ResourceTagMappingList: page.map((ng) => ({
        ResourceARN: ng.arn,
        Tags: [...ng.tags].map(([Key, Value]) => ({ Key, Value })),
      })),
    };
  }
}

/** Starts a fake Tagging API over `eks`'s node groups on 127.0.0.1 (random port); `close()` it. */
export function startTaggingEndpoint(eks: EksModel): Promise<TaggingEndpoint> {
  return startLoopbackFake((server) => new TaggingEndpoint(server, eks));
}
