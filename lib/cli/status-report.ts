/**
 * What `status` tells of an instance (the shape of `status --json`, documented in the README):
 * its tags read against the deployed schedules, its override judged now.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import { tagOf } from './cli-ec2';
import {
  conflictMessage,
  DeployedSchedules,
  JudgedOverride,
  utcSeconds,
} from './deployed-schedules';
import { overrideTagKey } from '../schedule/override';
import { auditTagKey } from '../common/shared-names';

/** A start or stop: local time in the schedule's time zone (with its offset), and UTC. */
export interface TransitionTime {
  readonly local: string;
  readonly utc: string;
}

/** An instance's override tag, judged now. */
export interface OverrideStatus {
  /** The tag value. */
  readonly value: string;
  /** `unknown` when it cannot be judged (no time zone, or the schedule is not deployed). */
  readonly status: 'active' | 'expired' | 'ignored' | 'unknown';
  /** Active or expired: the state it holds (held) the instance in, and until when (UTC). */
  readonly state?: 'running' | 'stopped';
  readonly until?: string;
  /** Ignored or unknown: why. */
  readonly why?: string;
}

/** One instance of `status --json` (the shape is documented in the README). */
export interface InstanceStatus {
  readonly instanceId: string;
  /** The `Name` tag. */
  readonly name?: string;
  readonly state: string;
  /** The schedule tag's value. */
  readonly schedule: string;
  /** Given a cloud assembly: whether it deploys this schedule for the tag key. */
  readonly deployed?: boolean;
  readonly override?: OverrideStatus;
  /** The audit tag (`<tagKey>:last-action`). */
  readonly lastAction?: string;
  readonly nextStart?: TransitionTime;
  readonly nextStop?: TransitionTime;
  /** Why a deployed schedule has no next start and stop here. */
  readonly note?: string;
}

/** The whole of `status --json`. */
export interface StatusReport {
  readonly tagKey: string;
  readonly region: string;
  /** When overrides were judged and the next transitions computed (UTC). */
  readonly at: string;
  readonly instances: InstanceStatus[];
}

function overrideStatus(value: string, verdict: JudgedOverride): OverrideStatus {
  if (verdict.status === 'active' || verdict.status === 'expired') {
    const { state, until } = verdict.override;
    return { value, status: verdict.status, state, until: utcSeconds(until) };
  }
  return { value, status: verdict.status, why: verdict.why };
}

/** What `status` tells of one instance. */
export function statusOf(
  instance: Instance,
  schedules: DeployedSchedules,
  now: Date,
): InstanceStatus {
  const key = schedules.tagKey;
  const schedule = tagOf(instance, key) ?? '';
  const override = tagOf(instance, overrideTagKey(key));
  const lastAction = tagOf(instance, auditTagKey(key));
  const name = tagOf(instance, 'Name');
  const found = schedules.lookup(schedule);
  const next = schedules.next(schedule, now);
  const time = (t: TransitionTime | undefined) => t && { local: t.local, utc: t.utc };
  return {
    instanceId: instance.InstanceId as string,
    ...(name !== undefined ? { name } : {}),
    state: instance.State?.Name ?? 'unknown',
    schedule,
    ...(schedules.fromAssembly ? { deployed: found.kind !== 'not-deployed' } : {}),
    ...(override !== undefined
      ? { override: overrideStatus(override, schedules.judge(override, schedule, now)) }
      : {}),
    ...(lastAction !== undefined ? { lastAction } : {}),
    ...(next.start ? { nextStart: time(next.start) } : {}),
    ...(next.stop ? { nextStop: time(next.stop) } : {}),
    ...(found.kind === 'conflict' ? { note: conflictMessage(schedule, found.stacks) } : {}),
  };
}
