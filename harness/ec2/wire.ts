/**
 * The EC2 Query API's wire format (version 2016-11-15), as `@aws-sdk/client-ec2` speaks it:
 * form-encoded requests (`Action=StartInstances&InstanceId.1=…`), XML answers in EC2's namespace,
 * and `<Response><Errors>` error bodies.
 */
import type { Ec2Action, Ec2Request, Ec2Response, Filter } from './api';
import { INSTANCE_STATE_CODES, type InstanceStateName, type ModelInstance } from './instances';

export const EC2_API_VERSION = '2016-11-15';
export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type Params = Readonly<Record<string, string>>;

/** The fields of a request: its query string and its form body. */
export function formParams(url: string | undefined, body: string): Record<string, string> {
  const params: Record<string, string> = {};
  const query = (url ?? '/').split('?')[1] ?? '';
  for (const [k, v] of new URLSearchParams(query)) params[k] = v;
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
}

/** `InstanceId.N` (describe/start/stop) or `ResourceId.N` (CreateTags, DeleteTags), in order. */
export function requestIds(action: string, params: Params): string[] {
  const tagging = action === 'CreateTags' || action === 'DeleteTags';
  return indexed(params, tagging ? 'ResourceId' : 'InstanceId');
}

/** The model's request for a supported action's fields. */
export function decodeRequest(action: Ec2Action, params: Params): Ec2Request {
  const instanceIds = requestIds(action, params);
  switch (action) {
    case 'DescribeInstances':
      return {
        action,
        instanceIds,
        filters: indexNumbers(params, /^Filter\.(\d+)\.Name$/).map((n): Filter => ({
          name: params[`Filter.${n}.Name`],
          values: indexed(params, `Filter.${n}.Value`),
        })),
        ...(params.MaxResults !== undefined ? { maxResults: Number(params.MaxResults) } : {}),
        ...(params.NextToken ? { nextToken: params.NextToken } : {}),
      };
    case 'StartInstances':
      return { action, instanceIds };
    case 'StopInstances':
      return { action, instanceIds, hibernate: params.Hibernate === 'true' };
    case 'CreateTags':
    case 'DeleteTags': {
      const tags = indexNumbers(params, /^Tag\.(\d+)\.Key$/).map((n) => ({
        key: params[`Tag.${n}.Key`],
        value: params[`Tag.${n}.Value`],
      }));
      // A missing value is '' to CreateTags; to DeleteTags it matches any value.
      const created = tags.map(({ key, value }) => ({ key, value: value ?? '' }));
      return action === 'CreateTags'
        ? { action, resourceIds: instanceIds, tags: created }
        : { action, resourceIds: instanceIds, tags };
    }
  }
}

/** The XML body of a successful answer. */
export function responseXml(response: Ec2Response, requestId: string, ownerId: string): string {
  switch (response.action) {
    case 'DescribeInstances': {
      const reservations = response.instances.map((i) => reservationXml(i, ownerId)).join('');
      return document(
        'DescribeInstancesResponse',
        requestId,
        (reservations ? `<reservationSet>${reservations}</reservationSet>` : '<reservationSet/>') +
          (response.nextToken !== undefined ? el('nextToken', response.nextToken) : ''),
      );
    }
    case 'StartInstances':
    case 'StopInstances': {
      const items = response.changes.map(
        (c) =>
          `<item>${el('instanceId', c.instanceId)}${stateXml('currentState', c.current)}${stateXml('previousState', c.previous)}</item>`,
      );
      return document(
        `${response.action}Response`,
        requestId,
        `<instancesSet>${items.join('')}</instancesSet>`,
      );
    }
    case 'CreateTags':
    case 'DeleteTags':
      return document(`${response.action}Response`, requestId, el('return', true));
  }
}

export function errorXml(code: string, message: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>' +
    el('Code', code) +
    el('Message', message) +
    `</Error></Errors>${el('RequestID', requestId)}</Response>`
  );
}

function document(root: string, requestId: string, content: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${EC2_XMLNS}">` +
    el('requestId', requestId) +
    `${content}</${root}>`
  );
}

function reservationXml(i: Readonly<ModelInstance>, ownerId: string): string {
  const tagSet = Object.entries(i.tags)
    .map(([k, v]) => `<item>${el('key', k)}${el('value', v)}</item>`)
    .join('');
  const instance =
    '<item>' +
    el('instanceId', i.instanceId) +
    el('imageId', 'ami-0123456789abcdef0') +
    stateXml('instanceState', i.state) +
    (i.transitionReason ? el('reason', i.transitionReason) : '<reason/>') +
    el('amiLaunchIndex', 0) +
    el('instanceType', i.instanceType) +
    el('launchTime', '2024-01-01T00:00:00.000Z') +
    `<placement>${el('availabilityZone', i.availabilityZone)}${el('tenancy', 'default')}</placement>` +
    `<monitoring>${el('state', 'disabled')}</monitoring>` +
    (i.lifecycle ? el('instanceLifecycle', i.lifecycle) : '') +
    (i.platformDetails.startsWith('Windows') ? el('platform', 'windows') : '') +
    el('platformDetails', i.platformDetails) +
    el('architecture', 'x86_64') +
    el('rootDeviceType', i.rootDeviceType) +
    (i.rootDeviceType === 'ebs' ? el('rootDeviceName', '/dev/xvda') : '') +
    (i.stateReason
      ? `<stateReason>${el('code', i.stateReason.code)}${el('message', i.stateReason.message)}</stateReason>`
      : '') +
    (tagSet ? `<tagSet>${tagSet}</tagSet>` : '') +
    el('virtualizationType', 'hvm') +
    `<hibernationOptions>${el('configured', i.describedHibernation ?? i.hibernationConfigured)}</hibernationOptions>` +
    '</item>';
  return (
    '<item>' +
    el('reservationId', `r-${i.instanceId.slice(2)}`) +
    el('ownerId', ownerId) +
    '<groupSet/>' +
    `<instancesSet>${instance}</instancesSet>` +
    '</item>'
  );
}

/** Escape element text (no attributes are ever built from data). */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${esc(String(value))}</${name}>`;
}

function stateXml(name: string, state: InstanceStateName): string {
  return `<${name}>${el('code', INSTANCE_STATE_CODES[state])}${el('name', state)}</${name}>`;
}

/** Values of `Prefix.1`, `Prefix.2`, … in numeric order of N. */
function indexed(params: Params, prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  const found: Array<[number, string]> = [];
  for (const [k, v] of Object.entries(params)) {
    const m = re.exec(k);
    if (m) found.push([Number(m[1]), v]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function indexNumbers(params: Params, re: RegExp): number[] {
  const ns = new Set<number>();
  for (const k of Object.keys(params)) {
    const m = re.exec(k);
    if (m) ns.add(Number(m[1]));
  }
  return [...ns].sort((a, b) => a - b);
}
