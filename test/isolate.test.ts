import { partSize, Searches, type FailedCallCosts } from '../lambda/ec2/isolate';
import { instanceIdFor } from '../harness/ec2';

/** EC2's answer when capacity is short and every instance has the same type and zone. */
const ice = Object.assign(
  new Error(
    'We currently do not have sufficient t3.micro capacity in the Availability Zone you requested (us-east-1a).',
  ),
  { name: 'InsufficientInstanceCapacity' },
);
const sameTypeAndZone = () => ({ type: 't3.micro', zone: 'us-east-1a' });

interface Call {
  readonly size: number;
  readonly failed: boolean;
}

/**
 * Sends `n` ids (all of one type and zone) as sendBatches does, without a pacer in the way: each
 * batch at the head of the queue goes out in the size the searches give it. `bad` ids fail every
 * call they are in. The calls after the first, and what ended how.
 */
function drive(n: number, bad: readonly number[], costs: FailedCallCosts) {
  const ids = Array.from({ length: n }, (_, i) => instanceIdFor(i + 1));
  const failing = new Set(bad.map((i) => ids[i]));
  const searches = new Searches(costs);
  const queue: { ids: string[] }[] = [{ ids }];
  const calls: Call[] = [];
  const started: string[] = [];
  const settled: string[] = [];
  while (queue.length > 0) {
    const batch = queue.shift() as { ids: string[] };
    const size = Math.min(batch.ids.length, searches.partOf(batch, queue, 0) ?? 1000);
    if (size < batch.ids.length) queue.unshift({ ids: batch.ids.slice(size) });
    const sent = batch.ids.slice(0, size);
    const failed = sent.some((id) => failing.has(id));
    calls.push({ size, failed });
    if (!failed) {
      started.push(...sent);
      continue;
    }
    const { settle, resend } = searches.failed(ice, sent, queue, sameTypeAndZone);
    queue.unshift(...resend.map((group) => ({ ids: group })));
    settled.push(...settle);
  }
  const later = calls.slice(1);
  return {
    later,
    wasted: later.filter((c) => c.failed).reduce((sum, c) => sum + c.size, 0),
    started: new Set(started),
    settled,
    ids,
  };
}

const always = (cost: 'free' | 'charged', callPriceInIds = 1): FailedCallCosts => ({
  failedCallCost: () => cost,
  callPriceInIds,
});

describe('part sizes: halves when failed calls are free, about sqrt(price x n) when they are charged', () => {
  test.each<[number, 'free' | 'charged', number, number]>([
    [1000, 'free', 1, 500],
    [1000, 'charged', 1, 32],
    // StopInstances: a call (1/5 s of its request bucket) costs 4 ids (1/20 s each).
    [1000, 'charged', 4, 63],
    [32, 'charged', 1, 6],
    [6, 'charged', 1, 2],
    [3, 'free', 1, 2],
    [2, 'charged', 1, 1],
    [1, 'free', 1, 1],
  ])('%i suspects, failed calls %s, a call priced %i ids: parts of %i', (n, cost, price, part) => {
    expect(partSize(n, cost, price)).toBe(part);
  });
});

describe('searching 1,000 ids of one type and zone for the one that lacks capacity', () => {
  test('failed calls charged: parts of about sqrt(what is left), the failing part searched the same way; the rest, presumed good, goes in parts of 22', () => {
    const run = drive(1000, [500], always('charged'));

    // Negative: a failed call. 32 = sqrt(1,000), 31 = sqrt(968), ...; the part of 22 holding the
    // bad id is searched in parts of 5 = sqrt(22), 4 = sqrt(17), then 2, then 1.
    const sizes = run.later.map((c) => (c.failed ? -c.size : c.size));
    expect(sizes.slice(0, 24)).toEqual([
      32, 31, 31, 30, 30, 29, 29, 28, 28, 27, 27, 26, 26, 25, 25, 24, 23, 23, -22, 5, -4, -2, 1, -1,
    ]);
    // Then the 493 presumed good (the untried rest of each failing part and the 478 never tried).
    expect(sizes.slice(24)).toEqual([...Array(22).fill(22), 15]);
    expect(run.wasted).toBe(22 + 4 + 2 + 1);
    // The least any search can spend is 56 calls + failed ids (BENCHMARKS.md).
    expect(run.later.length + run.wasted).toBeLessThanOrEqual(2 * 56);
    expect(run.settled).toEqual([run.ids[500]]);
    expect(run.started.size).toBe(999);
  });

  test('failed calls free: halves, and what is presumed good goes out together at the end', () => {
    const run = drive(1000, [500], always('free'));

    expect(run.later.map((c) => [c.size, c.failed])).toEqual([
      [500, false],
      [250, true],
      [125, true],
      [63, true],
      [32, true],
      [16, true],
      [8, true],
      [4, true],
      [2, true],
      [1, true],
      [499, false],
    ]);
    expect(run.settled).toEqual([run.ids[500]]);
    expect(run.started.size).toBe(999);
  });

  test.each([0, 1, 499, 999])(
    'failed calls free, the bad one at %i: at most log2(1,000) + 2 = 12 calls after the first',
    (bad) => {
      const run = drive(1000, [bad], always('free'));
      expect(run.later.length).toBeLessThanOrEqual(12);
      expect(run.settled).toEqual([run.ids[bad]]);
      expect(run.started.size).toBe(999);
    },
  );

  test.each([0, 31, 32, 500, 999])(
    'failed calls charged, the bad one at %i: at most 32 + 6 + 2 + 1 = 41 ids in failed calls after the first',
    (bad) => {
      const run = drive(1000, [bad], always('charged'));
      expect(run.wasted).toBeLessThanOrEqual(41);
      expect(run.settled).toEqual([run.ids[bad]]);
      expect(run.started.size).toBe(999);
    },
  );

  test('the probe is sized as if failed calls were free (a charging EC2 refuses it before taking tokens); after it, parts follow what the pacer found', () => {
    let calls = 0;
    const costs: FailedCallCosts = {
      failedCallCost: () => (calls++ === 0 ? 'free' : 'charged'),
      callPriceInIds: 1,
    };
    const run = drive(1000, [500], costs);
    // The first part is the probe: a half. Then the pacer knows failed calls are charged, and the
    // other half, where the bad one must be, is searched in parts of sqrt(500) = 22.
    expect(run.later.slice(0, 2).map((c) => c.size)).toEqual([500, 22]);
  });

  test('two bad ids: both are found, every other id starts, whatever the search presumed', () => {
    for (const cost of ['free', 'charged'] as const) {
      const run = drive(1000, [500, 501], always(cost));
      expect(run.settled.sort()).toEqual([run.ids[500], run.ids[501]].sort());
      expect(run.started.size).toBe(998);
    }
  });
});
