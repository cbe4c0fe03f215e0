/**
 * Injected failures: instances whose presence fails a whole call (in the model), and rules that
 * answer whole requests with a fault before the model sees them (in each front end, which
 * decides what a fault can be: the endpoint also has raw HTTP answers and hung requests).
 */
import type { Ec2Action } from './api';

export interface FailInstanceOptions {
  /** Which calls the fault applies to. Default StartInstances and StopInstances. */
  readonly actions?: readonly Ec2Action[];
  /** Fail only this many calls, then clear. Default: until cleared. */
  readonly times?: number;
  /** Only StopInstances calls with `Hibernate=true` (e.g. EC2 refusing to hibernate). Default false. */
  readonly hibernateOnly?: boolean;
}

interface InstanceFault {
  readonly code: string;
  readonly message?: string;
  readonly actions: readonly Ec2Action[];
  readonly hibernateOnly: boolean;
  remaining: number;
}

/** Instances whose presence fails a whole call, changing nothing. */
export class InstanceFaults {
  private readonly faults = new Map<string, InstanceFault>();

  set(id: string, code: string, message?: string, options: FailInstanceOptions = {}): void {
    this.faults.set(id, {
      code,
      ...(message !== undefined ? { message } : {}),
      actions: options.actions ?? ['StartInstances', 'StopInstances'],
      remaining: options.times ?? Number.POSITIVE_INFINITY,
      hibernateOnly: options.hibernateOnly ?? false,
    });
  }

  /** The fault a call of `action` on `ids` gets (the first id's that applies), and counts it. */
  take(
    action: Ec2Action,
    ids: readonly string[],
    hibernate: boolean,
  ): { id: string; code: string; message?: string } | undefined {
    for (const id of ids) {
      const f = this.faults.get(id);
      if (!f || !f.actions.includes(action) || (f.hibernateOnly && !hibernate)) continue;
      f.remaining--;
      if (f.remaining <= 0) this.faults.delete(id);
      return { id, code: f.code, ...(f.message !== undefined ? { message: f.message } : {}) };
    }
    return undefined;
  }

  clear(id?: string): void {
    if (id === undefined) this.faults.clear();
    else this.faults.delete(id);
  }
}

/** A fault applied to whole requests, before the rate limits. */
export interface FaultRule<Request, Response> {
  /** Only requests of this action. Default: any. */
  readonly action?: string;
  /** Only requests that satisfy this. */
  readonly when?: (request: Request) => boolean;
  /** Let this many matching requests through first. Default 0. */
  readonly skip?: number;
  /** How many matching requests get the fault. Default: every one, until cleared. */
  readonly times?: number;
  readonly respond: Response;
}

/** Whole-request fault rules, applied in the order added. */
export class FaultRules<Request, Response> {
  private rules: { rule: FaultRule<Request, Response>; skip: number; remaining: number }[] = [];

  add(rule: FaultRule<Request, Response>): void {
    this.rules.push({
      rule,
      skip: rule.skip ?? 0,
      remaining: rule.times ?? Number.POSITIVE_INFINITY,
    });
  }

  /** The fault this request gets, if any (and counts it). */
  take(action: string, request: Request): Response | undefined {
    for (const f of this.rules) {
      if (f.rule.action !== undefined && f.rule.action !== action) continue;
      if (f.rule.when && !f.rule.when(request)) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      if (f.remaining <= 0) continue;
      f.remaining--;
      return f.rule.respond;
    }
    return undefined;
  }

  clear(): void {
    this.rules = [];
  }
}
