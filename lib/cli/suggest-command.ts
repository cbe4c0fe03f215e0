/**
 * `cdk-ec2-scheduler suggest`: for the running instances of the account and Region (those
 * without the schedule tag, or all with `--all`), reads hourly utilization from CloudWatch,
 * builds each one's week x hour profile in a time zone, says whether it is always busy, always
 * idle or has idle windows, proposes a start/stop pair for the last, and prices what it saves.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Instance } from '@aws-sdk/client-ec2';
import { PricingClient } from '@aws-sdk/client-pricing';
import { buildProfile, weekHoursIn } from '../suggest/activity-profile';
import type { Io } from './io';
import { CLI_HTTP, listInstances, tagOf, withEc2 } from './cli-ec2';
import { UsageError } from '../common/cli-errors';
import { utcSeconds } from './deployed-schedules';
import { PriceBook, pricingRegionFor } from '../suggest/prices';
import { priceWarning, pricesOf, type Priced } from '../suggest/fleet-prices';
import type { SchedulePreview } from '../schedule/preview';
import { suggestSchedule, type Suggestion } from '../suggest/schedule-proposal';
import { suggestHtmlPieces } from '../suggest/suggest-html';
import { groupProposals, idleSummary } from '../suggest/proposal-groups';
import { formatReport } from '../suggest/suggest-text';
import {
  byInterest,
  EBS_NOTE,
  reportJsonPieces,
  instanceSuggestion,
  totalSavings,
  weekCells,
  type InstanceFacts,
  type PriceOf,
  type SuggestReport,
  type WeekCells,
} from '../suggest/suggest-report';
import { isValidTimeZone } from '../schedule/time-zone';
import { periodBefore, readUtilization, type Period } from '../suggest/utilization';

export const SUGGEST_USAGE = `  cdk-ec2-scheduler suggest [--days 14] [--time-zone TZ] [--idle-cpu 5] [--idle-network 5]
                            [--margin 1] [--all] [--tag-key KEY] [--no-prices] [--json] [--html FILE]

  --days            days of hourly CloudWatch data to read, 7-63 (default 14; a week at least,
                    so that every hour of the week has data)
  --time-zone       IANA time zone of the profiles and the proposed schedules (default UTC)
  --idle-cpu        an hour is busy at this average CPU percent or more (default 5)
  --idle-network    ... or with this many MB in and out (default 5)
  --margin          hours kept running before and after every busy hour seen, 0-6 (default 1)
  --all             every running instance, not only those without the schedule tag
  --tag-key         the schedule tag's key (default Schedule)
  --no-prices       skip the AWS Price List (pricing:GetProducts) and the savings
  --json            print JSON instead of a table
  --html            also write a self-contained page with a heatmap per instance to FILE
                    (about 2 KB per instance)`;

export const SUGGEST_OPTIONS = {
  days: { type: 'string' },
  'time-zone': { type: 'string' },
  'idle-cpu': { type: 'string' },
  'idle-network': { type: 'string' },
  margin: { type: 'string' },
  all: { type: 'boolean' },
  'tag-key': { type: 'string' },
  'no-prices': { type: 'boolean' },
  json: { type: 'boolean' },
  html: { type: 'string' },
} as const;

/** The flags `suggest` reads. */
export interface SuggestFlags {
  readonly days?: string;
  readonly 'time-zone'?: string;
  readonly 'idle-cpu'?: string;
  readonly 'idle-network'?: string;
  readonly margin?: string;
  readonly all?: boolean;
  readonly 'tag-key'?: string;
  readonly 'no-prices'?: boolean;
  readonly json?: boolean;
  readonly html?: string;
}

interface Options {
  readonly days: number;
  readonly timeZone: string;
  readonly idleCpu: number;
  readonly idleNetworkMb: number;
  readonly marginHours: number;
  readonly tagKey: string;
}

function numberFlag(
  flag: string,
  value: string | undefined,
  fallback: number,
  range: [number, number],
  whole: boolean,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  const [min, max] = range;
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (whole && !Number.isInteger(n)) ||
    n < min ||
    n > max
  ) {
    throw new UsageError(
      `--${flag} "${value}" is not ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}`,
    );
  }
  return n;
}

/** The smallest `--days`: a profile needs every hour of the week seen at least once. */
const MIN_DAYS = 7;

/** `--days`, 7 to 63; fewer than 7 refused with why. */
function daysFlag(value: string | undefined): number {
  if (value !== undefined && /^\s*-?\d+\s*$/.test(value) && Number(value) < MIN_DAYS) {
    throw new UsageError(
      `--days "${value}" is under ${MIN_DAYS}: a proposal needs every hour of the week seen at least once, so with fewer days every instance gets "not enough data"; give 7 to 63 (default 14)`,
    );
  }
  return numberFlag('days', value, 14, [MIN_DAYS, 63], true);
}

/** The options the flags give. @throws UsageError naming the flag, the value and the range */
export function checkedOptions(flags: SuggestFlags): Options {
  const timeZone = flags['time-zone'] ?? 'UTC';
  if (!isValidTimeZone(timeZone)) {
    throw new UsageError(
      `--time-zone "${timeZone}" is not an IANA time zone; give one such as Europe/Berlin`,
    );
  }
  if (flags['tag-key'] === '') throw new UsageError('--tag-key is empty; give a value');
  if (flags.html !== undefined && !fs.existsSync(path.dirname(path.resolve(flags.html)))) {
    throw new UsageError(
      `--html "${flags.html}": its directory does not exist; create it or give another path`,
    );
  }
  return {
    days: daysFlag(flags.days),
    timeZone,
    idleCpu: numberFlag('idle-cpu', flags['idle-cpu'], 5, [0, 100], false),
    idleNetworkMb: numberFlag('idle-network', flags['idle-network'], 5, [0, 1e6], false),
    marginHours: numberFlag('margin', flags.margin, 1, [0, 6], true),
    tagKey: flags['tag-key'] ?? 'Schedule',
  };
}

function factsOf(i: Instance, tagKey: string, all: boolean): InstanceFacts {
  const name = tagOf(i, 'Name');
  const schedule = tagOf(i, tagKey);
  return {
    instanceId: i.InstanceId as string,
    ...(name !== undefined ? { name } : {}),
    instanceType: i.InstanceType ?? 'unknown',
    platform: i.PlatformDetails ?? 'Linux/UNIX',
    ...(all && schedule !== undefined ? { schedule } : {}),
  };
}

/** The running instances `suggest` looks at, and the Region. */
export function runningInstances(options: { readonly tagKey: string }, all: boolean) {
  return withEc2({}, async (ec2, region) => {
    const { instances: running } = await listInstances(ec2, [
      { Name: 'instance-state-name', Values: ['running'] },
    ]);
    const chosen = running.filter((i) => all || tagOf(i, options.tagKey) === undefined);
    return { region, facts: chosen.map((i) => factsOf(i, options.tagKey, all)) };
  });
}

/** What is kept of an instance's profile: its verdict and the report's cells. */
interface Analysed {
  readonly cells: WeekCells;
  readonly suggestion: Suggestion;
}

/**
 * Each instance's verdict and cells, from its utilization over `period`. Each profile is judged
 * as its batch arrives and then dropped (2,000 profiles of 168 objects hold some 30 MiB).
 */
async function analyse(
  facts: readonly InstanceFacts[],
  options: Options,
  period: Period,
  region: string,
  now: Date,
) {
  const cw = new CloudWatchClient({ requestHandler: CLI_HTTP, region });
  const ids = facts.map((f) => f.instanceId);
  const thresholds = { idleCpu: options.idleCpu, idleNetworkBytes: options.idleNetworkMb * 1e6 };
  const weekHours = weekHoursIn(options.timeZone);
  const previews = new Map<string, SchedulePreview>();
  const analysed = new Map<string, Analysed>();
  const calls = await readUtilization(cw, ids, period, (id, hours) => {
    const profile = buildProfile(hours, options.timeZone, thresholds, weekHours);
    const suggestion = suggestSchedule(profile, { ...options, now, previews });
    analysed.set(id, { cells: weekCells(profile), suggestion });
  }).finally(() => cw.destroy());
  const found = facts.map((f) => ({ f, ...(analysed.get(f.instanceId) as Analysed) }));
  return { found, calls };
}

/** Writes `pieces` to `file` one after another (as writeFileSync would write their whole). */
function writePieces(file: string, pieces: Iterable<string>): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const piece of pieces) fs.writeSync(fd, piece);
  } finally {
    fs.closeSync(fd);
  }
}

/** The prices of the instances with a proposal (GetProducts calls counted in `calls`). */
async function priced(
  facts: readonly InstanceFacts[],
  region: string,
  calls: Record<string, number>,
): Promise<Priced & { readonly warning?: string }> {
  const pricingRegion = pricingRegionFor(region);
  const pricing = new PricingClient({ requestHandler: CLI_HTTP, region: pricingRegion });
  const book = new PriceBook(pricing, region);
  try {
    const out = await pricesOf(book, facts);
    return out.failure ? { ...out, warning: priceWarning(out.failure, pricingRegion) } : out;
  } finally {
    calls.GetProducts = book.calls;
    pricing.destroy();
  }
}

/** The report of the analysed instances: each priced, grouped by proposal, most saving first. */
function reportOf(
  found: Awaited<ReturnType<typeof analyse>>['found'],
  prices: ReadonlyMap<string, PriceOf>,
  head: Pick<SuggestReport, 'region' | 'timeZone' | 'tagKey' | 'period' | 'thresholds' | 'calls'>,
  notes: string[],
): SuggestReport {
  const sorted = found
    .map(({ f, cells, suggestion }) =>
      instanceSuggestion(f, cells, suggestion, prices.get(f.instanceId)),
    )
    .sort(byInterest);
  const groups = groupProposals(sorted);
  const nameOf = new Map(groups.flatMap((g) => g.instanceIds.map((id) => [id, g.name])));
  const instances = sorted.map((i) => {
    const proposedSchedule = nameOf.get(i.instanceId);
    return proposedSchedule === undefined ? i : { ...i, proposedSchedule };
  });
  return {
    ...head,
    groups,
    alwaysIdle: idleSummary(instances),
    savingsPerMonthUsd: totalSavings(instances),
    instances,
    notes,
  };
}

/** Runs `suggest`; returns the exit code. Bad arguments throw UsageError; AWS errors AwsCallError. */
export async function suggestCommand(
  flags: SuggestFlags,
  args: readonly string[],
  io: Io,
): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  const options = checkedOptions(flags);
  const now = io.now?.() ?? new Date();
  const { region, facts } = await runningInstances(options, flags.all === true);
  const period = periodBefore(now, options.days);
  const { found, calls: metricCalls } = await analyse(facts, options, period, region, now);
  const calls: Record<string, number> = { GetMetricData: metricCalls };
  const wanted = found
    .filter((x) => x.suggestion.proposal || x.suggestion.verdict === 'always idle')
    .map((x) => x.f);
  const { prices, warning } = flags['no-prices']
    ? { prices: new Map<string, PriceOf>(), warning: undefined }
    : await priced(wanted, region, calls);
  if (warning) io.err(`warning: ${warning}`);
  const { idleCpu, idleNetworkMb, marginHours, days } = options;
  const report = reportOf(
    found,
    prices,
    {
      region,
      timeZone: options.timeZone,
      tagKey: options.tagKey,
      period: { start: utcSeconds(period.start), end: utcSeconds(period.end), days },
      thresholds: { idleCpu, idleNetworkMb, marginHours },
      calls,
    },
    [
      ...(warning ? [warning] : []),
      flags['no-prices'] ? '--no-prices: savings are not priced.' : EBS_NOTE,
    ],
  );
  // The page and the JSON in pieces: for thousands of instances each is megabytes of text.
  if (flags.html !== undefined) {
    writePieces(flags.html, suggestHtmlPieces(report));
    io.err(`wrote ${flags.html} (${report.instances.length} instances)`);
  }
  const scope = flags.all
    ? 'running instance(s)'
    : `running instance(s) without a ${options.tagKey} tag`;
  if (flags.json) for (const piece of reportJsonPieces(report)) io.out(piece);
  else io.out(formatReport(report, scope, flags.all === true));
  return 0;
}
