/**
 * Verified starts: after StartInstances, follow the started instances until each is running.
 * EC2 accepts a start and may then send the instance back to `stopped` (for example when the
 * start role may not create a grant on the KMS key of an encrypted EBS volume); only a second
 * look tells.
 */
import { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { tagActedOn } from './audit';
import type { Ec2Context } from './context';
import { describeError, logAttributes } from '../run/errors';
import type { CallRunner } from '../run/clients';
import { listInstances } from './list';

export interface Bounce {
  readonly instanceId: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface VerifyResult {
  /** Reached `running` (or moved on from it). */
  readonly running: string[];
  /** Went back to `stopped`, with EC2's state reason. */
  readonly bounced: Bounce[];
  /** Still `pending` when the time was up. */
  readonly unverified: string[];
  /** How many times the instances were looked at. */
  readonly polls: number;
  /** How long verification waited. */
  readonly waitedMs: number;
  /**
   * Why verification stopped early: a poll failed (after the SDK's retries) or ran into the
   * deadline. Verification is best effort: the instances it could not follow stay unverified.
   */
  readonly fault?: { readonly errorCode: string; readonly message: string };
}

export interface VerifyOptions {
  readonly ec2: EC2Client;
  readonly tagKey: string;
  readonly schedule: string;
  readonly ids: readonly string[];
  /** Epoch ms after which no poll starts. */
  readonly until: number;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Runs one API call (the run counts calls and bounds each by its deadline). */
  readonly call: CallRunner;
  /** Expected duration of one call, to avoid starting a poll that cannot finish in time. */
  readonly callEstimateMs: () => number;
}

/** First poll after this long, then 1.5 times longer each time, up to MAX_POLL_MS. */
export const FIRST_POLL_MS = 2000;
const MAX_POLL_MS = 10_000;
/** Verification is kept time for only when it holds a poll and its call. */
export const MIN_VERIFY_MS = FIRST_POLL_MS + 500;

const KMS_HINT =
  'The instance went back to stopped after the start. If its EBS volumes are encrypted with a customer managed KMS key, the start role needs kms:CreateGrant on that key: pass the key in the encryptionKeys option.';

/** Hint for a state reason, naming the likely cause. */
export function bounceMessage(reason: { Code?: string; Message?: string } | undefined): string {
  const text = reason?.Message ?? reason?.Code ?? 'no state reason given';
  return `${text}. ${KMS_HINT}`;
}

export async function verifyStarts(options: VerifyOptions): Promise<VerifyResult> {
  const waiting = new Set(options.ids);
  const running: string[] = [];
  const bounced: Bounce[] = [];
  let delay = FIRST_POLL_MS;
  let polls = 0;
  let fault: VerifyResult['fault'];
  const began = options.now();
  while (waiting.size > 0) {
    if (options.now() + delay + options.callEstimateMs() > options.until) break;
    await options.sleep(delay);
    delay = Math.min(MAX_POLL_MS, delay * 1.5);
    let seen: Map<string, Instance>;
    try {
      seen = await notYetRunning(options);
    } catch (err) {
      // A poll cut short says nothing (a missing page would look like "running"): stop here.
      fault = describeError(err);
      break;
    }
    polls++;
    for (const id of [...waiting]) {
      const instance = seen.get(id);
      if (!instance) {
        // Not pending or stopped any more: it reached running (and may have moved on).
        running.push(id);
        waiting.delete(id);
        continue;
      }
      const reason = instance.StateReason;
      if (
        instance.State?.Name === 'stopped' &&
        reason?.Code &&
        !reason.Code.startsWith('Client.UserInitiated')
      ) {
        bounced.push({
          instanceId: id,
          errorCode: reason.Code,
          errorMessage: bounceMessage(reason),
        });
        waiting.delete(id);
      }
      // pending, or stopped with no failure reason yet (EC2's eventual consistency): wait.
    }
  }
  return {
    running,
    bounced,
    unverified: [...waiting],
    polls,
    waitedMs: options.now() - began,
    ...(fault ? { fault } : {}),
  };
}

/** The schedule's tagged instances that are pending or stopped, by id. */
async function notYetRunning(options: VerifyOptions): Promise<Map<string, Instance>> {
  const out = new Map<string, Instance>();
  for await (const page of listInstances({ ...options, states: ['pending', 'stopped'] })) {
    for (const instance of page) out.set(instance.InstanceId as string, instance);
  }
  return out;
}

/**
 * Follows the run's starts until the instances are running, or the time is up, and records what
 * it saw: verified, bounced (failed, re-tagged `start failed`), or unverified with the reason.
 */
export async function verifyRunStarts(ctx: Ec2Context): Promise<void> {
  const { event, budget, clock, record, deps } = ctx;
  const seconds = event.verifyTimeoutSeconds ?? 0;
  if (event.action !== 'start' || seconds <= 0) return;
  const ids = record.idsWith('started');
  if (ids.length === 0) return;
  const until = Math.min(
    clock.now() + seconds * 1000,
    clock.now() + budget.timeLeft() - budget.callEstimateMs,
  );
  const result = await verifyStarts({
    ec2: deps.ec2,
    tagKey: event.tagKey,
    schedule: event.schedule,
    ids,
    until,
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
    call: (fn) => budget.call(fn),
    callEstimateMs: () => budget.callEstimateMs,
  });
  if (result.fault) {
    deps.logger.warn('verification stopped; the instances not yet seen running stay unverified', {
      schedule: event.schedule,
      ...logAttributes(result.fault),
    });
  }
  for (const instanceId of result.running) {
    record.record({ instanceId, outcome: 'started', verified: true });
  }
  for (const bounce of result.bounced) record.record({ ...bounce, outcome: 'failed' });
  // The audit tag said "started": say what happened instead.
  await tagActedOn(
    ctx,
    result.bounced.map((b) => b.instanceId),
    'start failed',
    clock.now(),
  );
  const reason = result.fault
    ? `not verified: DescribeInstances failed (${result.fault.errorCode}): ${result.fault.message}`
    : result.polls === 0
      ? "not verified: the run's deadline left no time to look"
      : `still pending after ${Math.round(result.waitedMs / 1000)} s`;
  for (const instanceId of result.unverified) {
    record.record({ instanceId, outcome: 'started', verified: false, reason });
  }
}
