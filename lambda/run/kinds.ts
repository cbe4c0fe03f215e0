/**
 * Two kinds in one run: a run acts on `first` (Auto Scaling groups: few, one or two calls each,
 * carried by no follow-up state) and then on `second` (EC2 instances, which a follow-up carries).
 * A follow-up run of the chain acts on `second` alone: the chain's first run did `first`. Both
 * share the run's context, record, budget and pacer; they verify side by side.
 */
import type { RunDeps } from './deps';
import type { KindWork, Prepared, ResourceKind } from './kind';

/** `first` then `second` in each run; only `second` is carried by a follow-up state. */
export function inSequence<A extends RunDeps, B extends RunDeps>(
  first: ResourceKind<A>,
  second: ResourceKind<B>,
): ResourceKind<A & B> {
  const minVerify = [first.minVerifyMs, second.minVerifyMs].filter((n) => n !== undefined);
  return {
    ...(minVerify.length > 0 ? { minVerifyMs: Math.min(...minVerify) } : {}),
    carried: (event) => second.carried(event),
    open(ctx) {
      const b = second.open(ctx);
      // A follow-up run carries only the second kind's work: the first was done by the chain's first run.
      if (ctx.event.followUp) return b;
      return both(first.open(ctx), b);
    },
  };
}

function both(a: KindWork, b: KindWork): KindWork {
  return {
    async prepare(): Promise<Prepared> {
      // `found` counts the second kind's resources (instances, as the summary says them).
      const first = await a.prepare();
      const second = await b.prepare();
      if (!(first.listed && first.error)) return second;
      if (!(second.listed && second.error)) {
        return { listed: true, cutShort: second.listed && second.cutShort, error: first.error };
      }
      // Both listings failed: the run says both causes, the first kind's first.
      const { errorCode, message } = second.error;
      return {
        ...second,
        error: {
          errorCode: first.error.errorCode,
          message: `${first.error.message}; and ${errorCode}: ${message}`,
        },
      };
    },
    async act(notAfter) {
      const end = await a.act(notAfter);
      return end === 'done' ? b.act(notAfter) : end;
    },
    dryRun() {
      a.dryRun();
      b.dryRun();
    },
    async verify() {
      await Promise.all([a.verify?.(), b.verify?.()]);
    },
    takePending() {
      a.takePending();
      return b.takePending();
    },
  };
}
