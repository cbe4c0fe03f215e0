/**
 * What `status` tells of any scheduled thing, instance or group: a start or stop time, an override
 * judged now; and which group an instance is a member of (the functions never start or stop such
 * an instance: they scale its group, when the group carries the schedule tag).
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { tagOf } from './cli-ec2';
import { type JudgedOverride, utcSeconds } from './deployed-schedules';

/** A start or stop: local time in the schedule's time zone (with its offset), and UTC. */
export interface TransitionTime {
  readonly local: string;
  readonly utc: string;
}

/** An override tag, judged now. */
export interface OverrideStatus {
  /** The tag value. */
  readonly value: string;
  /** `unknown` when it cannot be judged (no time zone, or the schedule is not deployed). */
  readonly status: 'active' | 'expired' | 'ignored' | 'unknown';
  /** Active or expired: the state it holds (held) the instance or group in, and until when (UTC). */
  readonly state?: 'running' | 'stopped';
  readonly until?: string;
  /** Ignored or unknown: why. */
  readonly why?: string;
}

/** What kind of group: `auto-scaling-group`, or `eks-nodegroup` (scaled through EKS). */
export type GroupKind = 'auto-scaling-group' | 'eks-nodegroup';

/** The group an instance belongs to, by the tags the services put on their instances. */
export interface Membership {
  readonly kind: GroupKind;
  /** As in {@link GroupStatus.name}. */
  readonly name: string;
}

/** EKS tags a managed node group's instances with these (the functions skip them by the second). */
const CLUSTER_TAG = 'eks:cluster-name';
const NODEGROUP_TAG = 'eks:nodegroup-name';
/** Auto Scaling tags its instances with this (the functions skip them by it). */
const GROUP_TAG = 'aws:autoscaling:groupName';

/** The group an instance is a member of, as the functions tell it; undefined for none. */
export function membershipOf(instance: Instance): Membership | undefined {
  const nodegroup = tagOf(instance, NODEGROUP_TAG);
  if (nodegroup !== undefined) {
    const cluster = tagOf(instance, CLUSTER_TAG);
    return { kind: 'eks-nodegroup', name: cluster ? `${cluster}/${nodegroup}` : nodegroup };
  }
  const group = tagOf(instance, GROUP_TAG);
  return group !== undefined ? { kind: 'auto-scaling-group', name: group } : undefined;
}

/** Why a member's override tag counts for nothing. */
export function memberOverrideWhy(m: Membership): string {
  const what = m.kind === 'eks-nodegroup' ? 'EKS node group' : 'Auto Scaling group';
  return `a member of the ${what} ${m.name}: the scheduler acts on the group, never on its instances; set the override on the group`;
}

/** An override tag's value and its verdict, as `status` tells them. */
export function overrideStatus(value: string, verdict: JudgedOverride): OverrideStatus {
  if (verdict.status === 'active' || verdict.status === 'expired') {
    const { state, until } = verdict.override;
    return { value, status: verdict.status, state, until: utcSeconds(until) };
  }
  return { value, status: verdict.status, why: verdict.why };
}
