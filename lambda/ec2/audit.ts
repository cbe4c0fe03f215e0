/**
 * Audit tags: after acting, each instance gets `<tagKey>:last-action` = e.g.
 * `stopped 2026-11-27T17:00:03Z by office-hours`, so a person looking at it sees what stopped
 * it and when. Tagging is best effort: a failure is logged and never turns a start or stop into
 * a failure.
 */
import { CreateTagsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { auditTagKey, auditTagValue } from '../../lib/common/shared-names';
import { errorCode } from '../run/errors';
import type { Ec2Context } from './context';
import type { CallRunner } from '../run/clients';

/** Most resource ids one CreateTags call takes. */
export const MAX_TAG_BATCH = 1000;

export interface AuditOptions {
  readonly ec2: EC2Client;
  readonly tagKey: string;
  readonly ids: readonly string[];
  /** The tag value, from `auditTagValue`. */
  readonly value: string;
  readonly call: CallRunner;
  /** False when the run has no time left for another call. */
  readonly haveTime: () => boolean;
}

export interface AuditResult {
  readonly taggedIds: string[];
  /** Instances left untagged, with why. */
  readonly untagged: { readonly count: number; readonly errorCode: string }[];
}

export async function writeAuditTags(options: AuditOptions): Promise<AuditResult> {
  const key = auditTagKey(options.tagKey);
  const taggedIds: string[] = [];
  const untagged: { count: number; errorCode: string }[] = [];
  const { ids, value } = options;
  for (let i = 0; i < ids.length; i += MAX_TAG_BATCH) {
    const batch = ids.slice(i, i + MAX_TAG_BATCH);
    if (!options.haveTime()) {
      untagged.push({ count: batch.length, errorCode: 'DeadlineReached' });
      continue;
    }
    try {
      await options.call((httpOptions) =>
        options.ec2.send(
          new CreateTagsCommand({ Resources: batch, Tags: [{ Key: key, Value: value }] }),
          httpOptions,
        ),
      );
      taggedIds.push(...batch);
    } catch (err) {
      untagged.push({ count: batch.length, errorCode: errorCode(err) });
    }
  }
  return { taggedIds, untagged };
}

/** Writes the audit tag on instances the run just acted on (best effort; failures are logged). */
export async function tagActedOn(
  ctx: Ec2Context,
  ids: readonly string[],
  verb: string,
  at: number,
): Promise<void> {
  const { event, budget } = ctx;
  if (!event.auditTags || ids.length === 0) return;
  const result = await writeAuditTags({
    ec2: ctx.deps.ec2,
    tagKey: event.tagKey,
    ids,
    value: auditTagValue(verb, at, event.schedule),
    call: (fn) => budget.call(fn),
    haveTime: () => budget.callEstimateMs < budget.timeLeft(),
  });
  for (const id of result.taggedIds) ctx.record.tagged.add(id);
  for (const { count, errorCode } of result.untagged) {
    ctx.deps.logger.warn('audit tag not written; the start or stop itself succeeded', {
      schedule: event.schedule,
      instances: count,
      errorCode,
    });
  }
}
