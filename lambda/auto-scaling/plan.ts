/**
 * What a run does to one Auto Scaling group, decided from the group as listed: a stop saves the
 * size and scales to zero (a group already at zero is left, its saved size kept); a start restores
 * the saved size. A start with no saved size, a malformed one, or a group someone resized while it
 * was stopped is reported, never guessed; a group at zero with no saved size gets the schedule's
 * `groupFallbackSize` when it has one. An active override holds the group, as an instance.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { EKS_NODEGROUP_TAG, overrideTagKey, sizeTagKey } from '../../lib/common/shared-names';
import { formatOverride, judgeOverride } from '../../lib/schedule/override';
import type { RunContext } from '../run/context';
import { atZero, formatSize, type GroupSize, parseSize } from './size';

/** A group's fate in this run. */
export type Plan =
  | { readonly kind: 'skip'; readonly reason: string; readonly warn?: boolean }
  | { readonly kind: 'fail'; readonly errorCode: string; readonly message: string }
  /** Save `from` in the size tag, then MinSize 0, DesiredCapacity 0, MaxSize kept. */
  | { readonly kind: 'stop'; readonly from: GroupSize }
  /** Restore `to` (`fallback`: the schedule's groupFallbackSize, the group having no saved size). */
  | { readonly kind: 'start'; readonly to: GroupSize; readonly fallback?: boolean };

/** The group's name, size and tags. */
export function sizeOf(g: AutoScalingGroup): GroupSize {
  return { min: g.MinSize ?? 0, desired: g.DesiredCapacity ?? 0, max: g.MaxSize ?? 0 };
}

export function tagOf(g: AutoScalingGroup, key: string): string | undefined {
  return g.Tags?.find((t) => t.Key === key)?.Value;
}

/**
 * An Auto Scaling group of an EKS managed node group is EKS's: changed directly, EKS would report
 * the node group degraded and undo the size, so it is left (with a warning) for its node group.
 */
export function ownedByEks(ctx: RunContext, g: AutoScalingGroup): Plan | undefined {
  const nodegroup = tagOf(g, EKS_NODEGROUP_TAG);
  if (nodegroup === undefined) return undefined;
  const { tagKey, schedule } = ctx.event;
  return {
    kind: 'skip',
    warn: true,
    reason: `owned by EKS node group ${nodegroup}, so scheduled through the node group only: tag the node group ${tagKey}=${schedule} instead`,
  };
}

export function planFor(ctx: RunContext, g: AutoScalingGroup): Plan {
  const held = heldBy(ctx, g);
  if (held) return { kind: 'skip', reason: held };
  const now = sizeOf(g);
  if (ctx.event.action === 'stop') {
    return atZero(now)
      ? { kind: 'skip', reason: 'already at zero; its saved size kept' }
      : { kind: 'stop', from: now };
  }
  const key = sizeTagKey(ctx.event.tagKey);
  const value = tagOf(g, key);
  if (value === undefined) {
    const fallback = ctx.event.groupFallbackSize;
    if (fallback && atZero(now)) return { kind: 'start', to: fallback, fallback: true };
    return atZero(now)
      ? {
          kind: 'fail',
          errorCode: 'NoSavedSize',
          message: `the group is at zero and has no ${key} tag, so the size to restore is unknown; set ${key} to min,desired,max (e.g. 1,2,4), or scale it by hand`,
        }
      : {
          kind: 'skip',
          reason: `not scaled in by the scheduler (no ${key} tag); left at ${formatSize(now)}`,
        };
  }
  const saved = parseSize(value);
  if ('malformed' in saved) {
    return {
      kind: 'fail',
      errorCode: 'MalformedSavedSize',
      message: `${key} ${saved.malformed}; set it to min,desired,max, or scale the group by hand`,
    };
  }
  if (formatSize(now) === formatSize(saved)) {
    return { kind: 'skip', reason: `already at its saved size ${formatSize(saved)}` };
  }
  if (!atZero(now) || now.max !== saved.max) {
    return {
      kind: 'skip',
      warn: true,
      reason: `resized while stopped: now ${formatSize(now)}, saved ${formatSize(saved)}; left as it is (set ${key}, or the size, by hand)`,
    };
  }
  return { kind: 'start', to: saved };
}

/** The reason an active override holds the group in its present state; else undefined. */
function heldBy(ctx: RunContext, g: AutoScalingGroup): string | undefined {
  const key = overrideTagKey(ctx.event.tagKey);
  const value = tagOf(g, key);
  if (value === undefined) return undefined;
  const { event, input, clock, record, deps } = ctx;
  const verdict = judgeOverride(value, event.timeZone, new Date(clock.now()), input.maxOverrideMs);
  const name = g.AutoScalingGroupName ?? '';
  if (verdict.status === 'ignored') {
    if (!record.overridesIgnored.has(name)) {
      record.overridesIgnored.add(name);
      deps.logger.warn('override ignored', {
        schedule: event.schedule,
        group: name,
        tag: key,
        value,
        why: verdict.why,
      });
    }
    return undefined;
  }
  const holds = event.action === 'stop' ? 'running' : 'stopped';
  return verdict.status === 'active' && verdict.override.state === holds
    ? `override: ${formatOverride(verdict.override)}`
    : undefined;
}
