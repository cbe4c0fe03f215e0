/**
 * `suggest`'s findings for each instance, with the savings of each proposed schedule, as the
 * text (`suggest-text.ts`), the JSON (`--json`) and the page (`--html`) all show them.
 */
import type { ActivityProfile } from './activity-profile';
import type { Proposal, Suggestion, Verdict } from './schedule-proposal';

/** Hours in an average month (365.25 days / 12). */
export const HOURS_PER_MONTH = 730.5;

export const EBS_NOTE =
  'Savings count instance hours only, at on-demand prices: EBS volumes and public IPv4 addresses are still billed while instances are stopped; Savings Plans, Reserved Instances and Spot change the figures.';

/** One instance's findings (an element of `instances` in `suggest --json`). */
export interface InstanceSuggestion {
  readonly instanceId: string;
  readonly name?: string;
  readonly instanceType: string;
  /** EC2's PlatformDetails, e.g. `Linux/UNIX`. */
  readonly platform: string;
  /** The schedule tag's value, with `--all`. */
  readonly schedule?: string;
  /** The name of the group whose schedule is proposed for it (see `groups`). */
  readonly proposedSchedule?: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** The proposal, with verdict `idle windows`: EventBridge cron expressions in `timeZone`. */
  readonly start?: string;
  readonly stop?: string;
  readonly runningHoursPerWeek?: number;
  readonly stoppedShare?: number;
  readonly stoppedHoursPerMonth?: number;
  /** On-demand price, USD per hour, when known. */
  readonly usdPerHour?: number;
  /** stoppedHoursPerMonth x usdPerHour, rounded to cents. */
  readonly savingsPerMonthUsd?: number;
  /** Always idle: what stopping it saves, 730.5 h x usdPerHour, rounded to cents. */
  readonly savingsIfStoppedPerMonthUsd?: number;
  /** Why there is no price. */
  readonly priceNote?: string;
  /** Per week hour (168, Sunday 00:00 first, local time): the highest hourly CPU seen, or null. */
  readonly maxCpu: (number | null)[];
  /** Per week hour: whether any week was busy then. */
  readonly busy: boolean[];
  /** Per week hour: whether the proposal keeps the instance running then. */
  readonly running?: boolean[];
}

/** The whole of `suggest --json`. */
export interface SuggestReport {
  readonly region: string;
  readonly timeZone: string;
  /** The schedule tag's key (the `create-tags` lines tag it). */
  readonly tagKey: string;
  /** The hours read (UTC), and how many days they span. */
  readonly period: { readonly start: string; readonly end: string; readonly days: number };
  readonly thresholds: {
    readonly idleCpu: number;
    readonly idleNetworkMb: number;
    readonly marginHours: number;
  };
  /** API calls made, by operation. */
  readonly calls: Record<string, number>;
  /** The proposals grouped by identical start and stop, the most saving first. */
  readonly groups: ProposalGroup[];
  /** The always-idle instances, and what stopping them saves. */
  readonly alwaysIdle: IdleSummary;
  /** The sum of the proposed schedules' known savings (stopping idle instances not included). */
  readonly savingsPerMonthUsd: number;
  readonly instances: InstanceSuggestion[];
  readonly notes: string[];
}

/** Instances with the same proposed start and stop (an element of `groups` in `--json`). */
export interface ProposalGroup {
  /** The suggested schedule name (the tag value), from the days and hours, e.g. `mon-fri-07-19`. */
  readonly name: string;
  readonly start: string;
  readonly stop: string;
  readonly runningHoursPerWeek: number;
  readonly stoppedShare: number;
  /** The instances, most saving first. */
  readonly instanceIds: string[];
  /** The sum of the group's known savings, USD per month. */
  readonly savingsPerMonthUsd: number;
  /** Instances of the group without a price (their savings are not in the sum). */
  readonly unpriced: number;
}

/** The always-idle instances, and what stopping them saves. */
export interface IdleSummary {
  readonly instanceIds: string[];
  /** The sum of their known on-demand prices over a month, USD. */
  readonly savingsIfStoppedPerMonthUsd: number;
  /** Always-idle instances without a price (not in the sum). */
  readonly unpriced: number;
}

/** What the report needs of an instance. */
export interface InstanceFacts {
  readonly instanceId: string;
  readonly name?: string;
  readonly instanceType: string;
  readonly platform: string;
  readonly schedule?: string;
}

/** The price of an instance: USD per hour, or why there is none. */
export type PriceOf = { readonly usdPerHour?: number; readonly note?: string };

const cents = (usd: number): number => Math.round(usd * 100) / 100;

/** A proposal's fields: the schedule, its hours and, at `price`, what it saves. */
function proposalFields(p: Proposal, price: PriceOf | undefined): Partial<InstanceSuggestion> {
  const stoppedHoursPerMonth = Math.round((1 - p.runningHoursPerWeek / 168) * HOURS_PER_MONTH);
  const usdPerHour = price?.usdPerHour;
  return {
    start: p.start,
    stop: p.stop,
    runningHoursPerWeek: p.runningHoursPerWeek,
    stoppedShare: p.stoppedShare,
    stoppedHoursPerMonth,
    ...(usdPerHour !== undefined
      ? { usdPerHour, savingsPerMonthUsd: cents(stoppedHoursPerMonth * usdPerHour) }
      : {}),
    ...(price?.note ? { priceNote: price.note } : {}),
  };
}

/** An always-idle instance's price, and what stopping it for a month saves. */
function idleFields(price: PriceOf | undefined): Partial<InstanceSuggestion> {
  const usdPerHour = price?.usdPerHour;
  return {
    ...(usdPerHour !== undefined
      ? { usdPerHour, savingsIfStoppedPerMonthUsd: cents(usdPerHour * HOURS_PER_MONTH) }
      : {}),
    ...(price?.note ? { priceNote: price.note } : {}),
  };
}

/** What the report shows of a profile's week hours: the highest CPU (cents) and busy, per hour. */
export interface WeekCells {
  readonly maxCpu: (number | null)[];
  readonly busy: boolean[];
}

/**
 * The report's cells of a profile: all a report needs of it, so a run over many instances keeps
 * these (two lists of 168) instead of the profiles (168 objects each).
 */
export function weekCells(profile: ActivityProfile): WeekCells {
  return {
    maxCpu: profile.hours.map((h) => (h.maxCpu === undefined ? null : cents(h.maxCpu))),
    busy: profile.hours.map((h) => h.busy),
  };
}

/** One instance's findings, and its savings at `price`. */
export function instanceSuggestion(
  facts: InstanceFacts,
  cells: WeekCells,
  suggestion: Suggestion,
  price: PriceOf | undefined,
): InstanceSuggestion {
  const p = suggestion.proposal;
  return {
    ...facts,
    verdict: suggestion.verdict,
    reason: suggestion.reason,
    ...(p ? proposalFields(p, price) : {}),
    ...(suggestion.verdict === 'always idle' ? idleFields(price) : {}),
    maxCpu: cells.maxCpu,
    busy: cells.busy,
    ...(p ? { running: [...p.runningHours] } : {}),
  };
}

/** Each list of numbers, booleans or nulls (the 168 week hours) on one line. */
function oneLineLists(json: string): string {
  return json.replace(
    /\[\n\s+([-\d.e+truefalsn,\s]*?)\n\s*\]/g,
    (_, items: string) => `[${items.split(/,\n\s*/).join(',')}]`,
  );
}

/**
 * `suggest --json`: indented JSON with each list of numbers, booleans or nulls (the 168 week
 * hours) on one line, not one line per element.
 */
export function reportJson(report: SuggestReport): string {
  return [...reportJsonPieces(report)].join('\n');
}

/** Where the instances go while the rest of the report is written (no report holds it). */
const INSTANCES_HERE = '\u0000instances';

/**
 * {@link reportJson} in pieces of whole lines, `perPiece` instances each: joined with newlines
 * they are its text, but the text of a large fleet (megabytes) is never held as one string.
 */
export function* reportJsonPieces(report: SuggestReport, perPiece = 50): Generator<string> {
  const instances = report.instances;
  if (!Array.isArray(instances) || instances.length === 0) {
    yield oneLineLists(JSON.stringify(report, null, 2));
    return;
  }
  const text = JSON.stringify({ ...report, instances: INSTANCES_HERE }, null, 2);
  const at = text.indexOf(JSON.stringify(INSTANCES_HERE));
  const keyIndent = /^ */.exec(text.slice(text.lastIndexOf('\n', at) + 1))?.[0] ?? '';
  const indent = `${keyIndent}  `;
  yield oneLineLists(`${text.slice(0, at)}[`);
  for (let i = 0; i < instances.length; i += perPiece) {
    // Lists put on one line first, so that indenting has some 20 lines to do, not 500.
    const items = instances
      .slice(i, i + perPiece)
      .map((item) => oneLineLists(JSON.stringify(item, null, 2)).replace(/^/gm, indent));
    const last = i + perPiece >= instances.length;
    yield items.join(',\n') + (last ? '' : ',');
  }
  yield oneLineLists(`${keyIndent}]${text.slice(at + JSON.stringify(INSTANCES_HERE).length)}`);
}

/** The sum of the known savings. */
export function totalSavings(instances: readonly InstanceSuggestion[]): number {
  return cents(instances.reduce((sum, i) => sum + (i.savingsPerMonthUsd ?? 0), 0));
}

const ORDER: Record<Verdict, number> = {
  'idle windows': 0,
  'always idle': 1,
  'always busy': 2,
  'not enough data': 3,
};

/** Instances with the most to save first; then by verdict and id. */
export function byInterest(a: InstanceSuggestion, b: InstanceSuggestion): number {
  return (
    (b.savingsPerMonthUsd ?? -1) - (a.savingsPerMonthUsd ?? -1) ||
    ORDER[a.verdict] - ORDER[b.verdict] ||
    (a.stoppedShare !== undefined && b.stoppedShare !== undefined
      ? b.stoppedShare - a.stoppedShare
      : 0) ||
    a.instanceId.localeCompare(b.instanceId)
  );
}
