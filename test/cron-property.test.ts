/**
 * Property test: the library's `previewSchedule` against the independent brute-force reference
 * (test/support/cron-reference.ts) for seeded random EventBridge cron expressions, in zones with
 * 30- and 45-minute offsets and changes, from instants around every clock change of 2026-2027
 * (Sao Paulo: its last changes, 2017-2019) and around year ends.
 *
 * For each case, every firing the reference finds in (from, until], up to `count`, must be what
 * the library lists, in order, with nothing else in between. When the library says the
 * expression never fires, the reference must find nothing in the window.
 *
 * CRON_PROPERTY_CASES_PER_MOMENT (default 24: about 5,700 cases) scales the run; 100 makes a
 * soak run of about 24,000 cases.
 */
import { Focus, generateCron, mulberry32, Picker, Shape } from './support/cron-generator';
import { referenceFirings } from './support/cron-reference';
import { previewSchedule } from '../lib/schedule/preview';
import { clockChanges, offsetMinutesAt } from './support/zone-offsets';

const SEED = 0x5eed_2026;
const CASES_PER_MOMENT = Number(process.env.CRON_PROPERTY_CASES_PER_MOMENT ?? 24);
/** How far after `from` firings are compared. */
const WINDOW_DAYS = 45;
/** Dense expressions fire every few minutes: two days hold their `count`. */
const DENSE_WINDOW_DAYS = 2;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const ZONES_WITH_CHANGES = [
  'America/New_York',
  'Europe/Berlin',
  'Europe/London',
  'Australia/Lord_Howe', // +10:30 / +11, changes at 02:00
  'Pacific/Chatham', // +12:45 / +13:45, changes at 02:45
  'America/St_Johns', // -3:30 / -2:30
];
const ZONES_WITHOUT_CHANGES = ['UTC', 'Asia/Kolkata', 'Asia/Tokyo'];

/** An instant to compare from, and the local hours and minutes to aim at. */
interface Moment {
  readonly timeZone: string;
  readonly from: string;
  readonly focus: Focus;
}

interface Case extends Moment {
  readonly expression: string;
  readonly shape: Shape;
  readonly count: number;
  readonly until: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.000Z$/, 'Z');
}

/** The local wall clock of an instant, read as if it were UTC. */
function wall(timeZone: string, ms: number): Date {
  return new Date(ms + offsetMinutesAt(timeZone, ms) * MINUTE_MS);
}

function focusAt(timeZone: string, fromMs: number, hours: number[], minutes: number[]): Focus {
  const local = wall(timeZone, fromMs);
  return {
    hours: [...new Set(hours.map((h) => (h + 24) % 24))],
    minutes: [...new Set(minutes.map((m) => (m + 60) % 60))],
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
  };
}

/**
 * Around each clock change: a day and three hours before, a minute before, exactly at, and half
 * the change's size after and before it (between the two passes of a repeated hour, or where the
 * skipped hour would be).
 */
function momentsAroundChanges(timeZone: string, fromIso: string, untilIso: string): Moment[] {
  return clockChanges(timeZone, fromIso, untilIso).flatMap((change) => {
    const before = wall(timeZone, change.at - MINUTE_MS);
    const after = wall(timeZone, change.at);
    const half = (Math.abs(change.offsetAfter - change.offsetBefore) / 2) * MINUTE_MS;
    const hours = [before.getUTCHours(), after.getUTCHours()].flatMap((h) => [h - 1, h, h + 1]);
    const minutes = [before.getUTCMinutes() + 1, after.getUTCMinutes()];
    return [-DAY_MS, -3 * HOUR_MS, -MINUTE_MS, 0, half, -half].map((delta) => ({
      timeZone,
      from: iso(change.at + delta),
      focus: focusAt(timeZone, change.at + delta, hours, minutes),
    }));
  });
}

/** 22:00 and 23:30 local on 31 December. */
function momentsAtYearEnd(timeZone: string, years: number[]): Moment[] {
  return years.flatMap((year) =>
    [22 * 60, 23 * 60 + 30].map((minuteOfDay) => {
      const local = Date.UTC(year, 11, 31) + minuteOfDay * MINUTE_MS;
      const at = local - offsetMinutesAt(timeZone, local - 12 * HOUR_MS) * MINUTE_MS;
      return { timeZone, from: iso(at), focus: focusAt(timeZone, at, [22, 23, 0, 1], [59, 0]) };
    }),
  );
}

function moments(): Moment[] {
  const out: Moment[] = [];
  for (const zone of ZONES_WITH_CHANGES) {
    out.push(...momentsAroundChanges(zone, '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z'));
    out.push(...momentsAtYearEnd(zone, [2026, 2027]));
  }
  out.push(
    ...momentsAroundChanges('America/Sao_Paulo', '2017-01-01T00:00:00Z', '2020-01-01T00:00:00Z'),
    ...momentsAtYearEnd('America/Sao_Paulo', [2017, 2018]),
  );
  // Zones that never change: a day before and at New York's changes, and year ends.
  const instants = clockChanges('America/New_York', '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z');
  for (const zone of ZONES_WITHOUT_CHANGES) {
    for (const at of instants.flatMap((c) => [c.at - DAY_MS, c.at])) {
      const hour = wall(zone, at).getUTCHours();
      out.push({ timeZone: zone, from: iso(at), focus: focusAt(zone, at, [hour, hour + 1], [0]) });
    }
    out.push(...momentsAtYearEnd(zone, [2026, 2027]));
  }
  return out;
}

function cases(): Case[] {
  const picker = new Picker(mulberry32(SEED));
  return moments().flatMap((moment) =>
    Array.from({ length: CASES_PER_MOMENT }, () => {
      const cron = generateCron(picker, moment.focus);
      const days = cron.shape === 'dense' ? DENSE_WINDOW_DAYS : WINDOW_DAYS;
      return { ...moment, ...cron, until: iso(Date.parse(moment.from) + days * DAY_MS) };
    }),
  );
}

/** What one `previewSchedule` call gave: the transitions' UTC times, or the error it threw. */
type PreviewAnswer =
  | { readonly kind: 'utc'; readonly utc: string[] }
  | { readonly kind: 'error'; readonly message: string };

function preview(c: Case): PreviewAnswer {
  try {
    const p = previewSchedule(
      { start: c.expression, timeZone: c.timeZone },
      { after: new Date(c.from), count: c.count },
    );
    return { kind: 'utc', utc: p.transitions.map((t) => t.utc) };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
}

type DisagreementKind =
  | 'missing firings'
  | 'extra firings'
  | 'missing and extra firings'
  | 'says never fires'
  | 'rejects the expression';

/** One case on which the library and the reference differ. */
interface Disagreement {
  readonly index: number;
  readonly case: Case;
  readonly kind: DisagreementKind;
  /** The reference's firings in (from, until], at most `count`. */
  readonly expected: string[];
  /** The library's firings in (from, until]. */
  readonly got: string[];
  readonly missing: string[];
  readonly extra: string[];
  readonly error?: string;
}

const NEVER_FIRES = /never fires/;

function compare(
  index: number,
  c: Case,
  expected: string[],
  answer: PreviewAnswer,
): Disagreement | undefined {
  const base = { index, case: c, expected, got: [], missing: [], extra: [] };
  if (answer.kind === 'error') {
    if (NEVER_FIRES.test(answer.message) && expected.length === 0) return undefined;
    const kind = NEVER_FIRES.test(answer.message) ? 'says never fires' : 'rejects the expression';
    return { ...base, kind, error: answer.message };
  }
  const got = answer.utc.filter((utc) => utc <= c.until);
  if (got.join() === expected.join()) return undefined;
  // A list cut at `count` says nothing past its last firing.
  const lastOf = (list: string[]) => (list.length >= c.count ? list[list.length - 1] : c.until);
  const horizon = [lastOf(expected), lastOf(got)].sort()[0];
  const missing = expected.filter((utc) => utc <= horizon && !got.includes(utc));
  const extra = got.filter((utc) => utc <= horizon && !expected.includes(utc));
  const kind =
    missing.length > 0 && extra.length > 0
      ? 'missing and extra firings'
      : extra.length > 0
        ? 'extra firings'
        : 'missing firings';
  return { ...base, got, missing, extra, kind };
}

/** Up to six firings of `list` from just before the first that differs from `other`. */
function around(list: string[], other: string[]): string {
  let first = 0;
  while (first < list.length && list[first] === other[first]) first++;
  const start = Math.max(0, first - 1);
  const shown = list.slice(start, start + 6);
  const more = list.length - start - shown.length;
  return `${start > 0 ? `(${start} before) ` : ''}${shown.join(' ') || '(none)'}${more > 0 ? ` (+${more})` : ''}`;
}

function describeDisagreement(d: Disagreement): string {
  const c = d.case;
  const lines = [
    `${c.expression} in ${c.timeZone} from ${c.from} (count ${c.count}, until ${c.until}): ${d.kind}`,
    `    expected ${around(d.expected, d.got)}`,
    d.error ? `    got      ${d.error}` : `    got      ${around(d.got, d.expected)}`,
  ];
  if (d.missing.length > 0) lines.push(`    missing  ${d.missing.slice(0, 4).join(' ')}`);
  if (d.extra.length > 0) lines.push(`    extra    ${d.extra.slice(0, 4).join(' ')}`);
  return lines.join('\n');
}

function tally<T>(items: readonly T[], key: (item: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ');
}

test('previewSchedule agrees with the brute-force reference around clock changes', () => {
  const all = cases();
  const disagreements: Disagreement[] = [];
  let neverFiresAgreed = 0;
  let firings = 0;
  let libraryMs = 0;
  all.forEach((c, index) => {
    const expected = referenceFirings(c.expression, c.timeZone, c.from, c.until, c.count);
    firings += expected.length;
    const started = performance.now();
    const answer = preview(c);
    libraryMs += performance.now() - started;
    const d = compare(index, c, expected, answer);
    if (d) disagreements.push(d);
    else if (answer.kind === 'error') neverFiresAgreed++;
  });

  const summary =
    `compared ${all.length} cases (${tally(all, (c) => c.shape)}), ` +
    `${firings} firings by the reference; previewSchedule took ${Math.round(libraryMs)} ms in all; ` +
    `${neverFiresAgreed} that the library says never fire had no firing in the window either; ` +
    `${disagreements.length} disagree`;
  console.log(summary);
  if (disagreements.length > 0) {
    throw new Error(
      [
        `${summary}: ${tally(disagreements, (d) => d.kind)}`,
        `by zone: ${tally(disagreements, (d) => d.case.timeZone)}`,
        `first ${Math.min(20, disagreements.length)}:`,
        ...disagreements.slice(0, 20).map(describeDisagreement),
      ].join('\n'),
    );
  }
  expect(all.length).toBeGreaterThan(5000);
}, 120_000);
