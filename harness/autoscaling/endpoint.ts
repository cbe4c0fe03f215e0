/**
 * A loopback fake of the Amazon EC2 Auto Scaling Query API for end-to-end tests: the model
 * (`model.ts`) over an EC2 model (the EC2 fake's endpoint), served over HTTP in the wire format
 * `@aws-sdk/client-auto-scaling` uses (`wire.ts`), so the bundled handlers reach it through
 * `AWS_ENDPOINT_URL_AUTO_SCALING`. Anything but the calls in `AUTO_SCALING_ACTIONS` answers
 * `InvalidAction`. Signatures are not checked.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ec2Model } from '../ec2';
import { formParams, type Params } from '../ec2/wire';
import { accessKeyOf, closeServer, startLoopbackFake } from '../loopback';
import { AutoScalingError } from './groups';
import { type AutoScalingAction, AutoScalingModel, isAutoScalingAction } from './model';
import { describeActivities, describeGroups, describeTags } from './queries';
import {
  activitiesXml,
  errorXml,
  filters,
  groupsXml,
  int,
  members,
  responseXml,
  tagsParam,
  tagsXml,
} from './wire';

/** A request the endpoint received. */
export interface AutoScalingRequest {
  readonly action: string;
  readonly params: Params;
  readonly status: number;
  readonly errorCode?: string;
  /** The access key id the request was signed with: whose credentials acted. */
  readonly accessKeyId?: string;
}

export class AutoScalingEndpoint extends AutoScalingModel {
  /** Base URL; pass as `endpoint` or `AWS_ENDPOINT_URL_AUTO_SCALING`. */
  readonly url: string;
  readonly requests: AutoScalingRequest[] = [];

  /** @internal use {@link startAutoScalingEndpoint}. */
  /**
   * Added to the wall clock the endpoint's times are read on: the e2e world sets it to the
   * functions' clock offset, so activity times and the functions' clock agree.
   */
  clockOffsetMs = 0;

  constructor(
    private readonly server: Server,
    ec2: Ec2Model,
    now?: () => number,
  ) {
    super(ec2, () => (now ? now() : Date.now() + this.clockOffsetMs));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** The requests of one action. */
  calls(action: AutoScalingAction): AutoScalingRequest[] {
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
  process(req: IncomingMessage, body: string, res: ServerResponse): void {
    const params = formParams(req.url, body);
    const action = params.Action ?? '';
    const requestId = randomUUID();
    let status = 200;
    let xml: string;
    let errorCode: string | undefined;
    try {
      xml = responseXml(action, requestId, this.answer(action, params));
    } catch (caught) {
      const e =
        caught instanceof AutoScalingError
          ? caught
          : new AutoScalingError('InternalFailure', `Fake Auto Scaling bug: ${String(caught)}`);
      status = e.status;
      errorCode = e.code;
      xml = errorXml(e.type, e.code, e.message, requestId);
    }
    this.requests.push({
      action,
      params,
      status,
      ...(errorCode ? { errorCode } : {}),
      accessKeyId: accessKeyOf(req),
    });
    res.writeHead(status, {
      'Content-Type': 'text/xml',
      'Content-Length': Buffer.byteLength(xml),
      'x-amzn-RequestId': requestId,
    });
    res.end(xml);
  }

  /** The Result element's content for a request; throws {@link AutoScalingError}. */
  private answer(action: string, params: Params): string {
    if (!isAutoScalingAction(action)) {
      throw new AutoScalingError('InvalidAction', `Could not find operation ${action || '(none)'}`);
    }
    this.admit(action);
    const page = {
      ...(params.MaxRecords !== undefined ? { maxRecords: Number(params.MaxRecords) } : {}),
      ...(params.NextToken !== undefined ? { nextToken: params.NextToken } : {}),
    };
    switch (action) {
      case 'DescribeAutoScalingGroups': {
        const names = members(params, 'AutoScalingGroupNames');
        const { items, nextToken } = describeGroups(this, {
          ...page,
          names,
          filters: filters(params),
        });
        return groupsXml(items, nextToken, params.IncludeInstances !== 'false');
      }
      case 'UpdateAutoScalingGroup':
        this.update(params.AutoScalingGroupName ?? '', {
          minSize: int(params, 'MinSize'),
          maxSize: int(params, 'MaxSize'),
          desiredCapacity: int(params, 'DesiredCapacity'),
        });
        return '';
      case 'CreateOrUpdateTags':
        this.tag(tagsParam(params));
        return '';
      case 'DescribeTags': {
        const { items, nextToken } = describeTags(this, { ...page, filters: filters(params) });
        return tagsXml(items, nextToken);
      }
      case 'DescribeScalingActivities': {
        const { items, nextToken } = describeActivities(this, {
          ...page,
          ...(params.AutoScalingGroupName !== undefined
            ? { groupName: params.AutoScalingGroupName }
            : {}),
          activityIds: members(params, 'ActivityIds'),
        });
        return activitiesXml(items, nextToken);
      }
    }
  }
}

/**
 * Starts a fake Auto Scaling endpoint over `ec2` on 127.0.0.1 (random port), on the clock `now`
 * (default the wall clock); `close()` it.
 */
export function startAutoScalingEndpoint(
  ec2: Ec2Model,
  now?: () => number,
): Promise<AutoScalingEndpoint> {
  return startLoopbackFake((server) => new AutoScalingEndpoint(server, ec2, now));
}
