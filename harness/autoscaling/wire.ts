/**
 * The Auto Scaling Query API's wire format (version 2011-01-01), as `@aws-sdk/client-auto-scaling`
 * speaks it: form-encoded requests (`Action=UpdateAutoScalingGroup&AutoScalingGroupName=…`, lists
 * as `Name.member.N`), answers as `<ActionResponse><ActionResult>…` in the service's namespace,
 * and `<ErrorResponse><Error><Type/><Code/><Message/></Error>` error bodies.
 */
import type { Params } from '../ec2/wire';
import { type Activity, type ModelGroup } from './groups';
import type { Filter, TagDescription } from './queries';

export const AUTO_SCALING_API_VERSION = '2011-01-01';
export const AUTO_SCALING_XMLNS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

/** `prefix.member.1`, `prefix.member.2`, … in order. */
export function members(params: Params, prefix: string): string[] {
  const out: string[] = [];
  for (let n = 1; params[`${prefix}.member.${n}`] !== undefined; n++) {
    out.push(params[`${prefix}.member.${n}`]);
  }
  return out;
}

/** `Filters.member.N.Name` and `Filters.member.N.Values.member.M`. */
export function filters(params: Params): Filter[] {
  const out: Filter[] = [];
  for (let n = 1; params[`Filters.member.${n}.Name`] !== undefined; n++) {
    out.push({
      name: params[`Filters.member.${n}.Name`],
      values: members(params, `Filters.member.${n}.Values`),
    });
  }
  return out;
}

/** `Tags.member.N.{ResourceId,ResourceType,Key,Value,PropagateAtLaunch}`. */
export function tagsParam(params: Params): TagDescription[] {
  const out: TagDescription[] = [];
  for (let n = 1; params[`Tags.member.${n}.Key`] !== undefined; n++) {
    const p = (field: string) => params[`Tags.member.${n}.${field}`];
    out.push({
      resourceId: p('ResourceId') ?? '',
      key: p('Key'),
      value: p('Value') ?? '',
      propagateAtLaunch: p('PropagateAtLaunch') === 'true',
    });
  }
  return out;
}

/** An optional whole number field. */
export function int(params: Params, name: string): number | undefined {
  return params[name] === undefined ? undefined : Number(params[name]);
}

/** The answer document of `action`, with `result` inside its Result element. */
export function responseXml(action: string, requestId: string, result = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${AUTO_SCALING_XMLNS}">` +
    (result ? `<${action}Result>${result}</${action}Result>` : '') +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorXml(type: string, code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${AUTO_SCALING_XMLNS}">` +
    `<Error><Type>${type}</Type>${el('Code', code)}${el('Message', message)}</Error>` +
    `${el('RequestId', requestId)}</ErrorResponse>`
  );
}

export function groupsXml(
  groups: readonly ModelGroup[],
  nextToken?: string,
  includeInstances = true,
): string {
  const members = groups.map((g) => groupXml(g, includeInstances)).join('');
  return `<AutoScalingGroups>${members}</AutoScalingGroups>${token(nextToken)}`;
}

export function tagsXml(tags: readonly TagDescription[], nextToken?: string): string {
  return `<Tags>${tags.map(tagXml).join('')}</Tags>${token(nextToken)}`;
}

export function activitiesXml(activities: readonly Activity[], nextToken?: string): string {
  const member = (a: Activity) =>
    '<member>' +
    el('ActivityId', a.activityId) +
    el('AutoScalingGroupName', a.groupName) +
    el('Description', a.description) +
    el('Cause', a.cause) +
    el('StartTime', new Date(a.startTime).toISOString()) +
    (a.endTime !== undefined ? el('EndTime', new Date(a.endTime).toISOString()) : '') +
    el('StatusCode', a.statusCode) +
    (a.statusMessage !== undefined ? el('StatusMessage', a.statusMessage) : '') +
    el('Progress', a.progress) +
    el('Details', '{}') +
    '</member>';
  return `<Activities>${activities.map(member).join('')}</Activities>${token(nextToken)}`;
}

function groupXml(g: ModelGroup, includeInstances: boolean): string {
  const instance = (m: ModelGroup['members'][number]) =>
    '<member>' +
    el('InstanceId', m.instanceId) +
    el('InstanceType', 't3.micro') +
    el('AvailabilityZone', 'us-east-1a') +
    el('LifecycleState', m.lifecycle) +
    el('HealthStatus', 'Healthy') +
    el('ProtectedFromScaleIn', false) +
    '</member>';
  return (
    '<member>' +
    el('AutoScalingGroupName', g.name) +
    el('AutoScalingGroupARN', g.arn) +
    el('MinSize', g.minSize) +
    el('MaxSize', g.maxSize) +
    el('DesiredCapacity', g.desiredCapacity) +
    el('DefaultCooldown', 300) +
    '<AvailabilityZones><member>us-east-1a</member></AvailabilityZones>' +
    el('HealthCheckType', 'EC2') +
    el('CreatedTime', new Date(g.createdAt).toISOString()) +
    (includeInstances ? `<Instances>${g.members.map(instance).join('')}</Instances>` : '') +
    `<Tags>${[...g.tags.values()].map((t) => tagXml({ ...t, resourceId: g.name })).join('')}</Tags>` +
    '</member>'
  );
}

function tagXml(t: TagDescription): string {
  return (
    '<member>' +
    el('ResourceId', t.resourceId) +
    el('ResourceType', 'auto-scaling-group') +
    el('Key', t.key) +
    el('Value', t.value) +
    el('PropagateAtLaunch', t.propagateAtLaunch ?? false) +
    '</member>'
  );
}

function token(nextToken: string | undefined): string {
  return nextToken !== undefined ? el('NextToken', nextToken) : '';
}

function el(name: string, value: string | number | boolean): string {
  const s = String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<${name}>${s}</${name}>`;
}
