/**
 * Seeded generation of EventBridge cron expressions for the property test, biased toward the
 * local hours and minutes where clocks change. Shares nothing with `lib/`.
 */

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Seeded choices on top of a PRNG. */
export class Picker {
  constructor(private readonly random: () => number) {}

  /** A whole number in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** One element of a non-empty list. */
  one<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  /** One of the weighted generators, called. */
  weighted<T>(options: ReadonlyArray<readonly [number, () => T]>): T {
    const total = options.reduce((sum, [w]) => sum + w, 0);
    let r = this.random() * total;
    for (const [w, make] of options) {
      r -= w;
      if (r < 0) return make();
    }
    return options[options.length - 1][1]();
  }

  /** `count` distinct elements of `items`, in ascending numeric order. */
  distinct(items: readonly number[], count: number): number[] {
    const pool = [...new Set(items)];
    const out: number[] = [];
    while (out.length < Math.min(count, pool.length)) {
      out.push(pool.splice(Math.floor(this.random() * pool.length), 1)[0]);
    }
    return out.sort((a, b) => a - b);
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DANGER_MINUTES = [0, 15, 30, 45, 59];
const DANGER_HOURS = [0, 1, 2, 3];

/** Where to aim an expression: the local hours and minutes of a clock change, and the year. */
export interface Focus {
  /** Local hours around the change (before and after), 0-23. */
  readonly hours: readonly number[];
  /** Local minutes worth hitting, e.g. the minute the change happens at. */
  readonly minutes: readonly number[];
  /** Local year of `from`. */
  readonly year: number;
  /** Local month of `from`, 1-12. */
  readonly month: number;
}

/** How an expression was built: what the property test reports per class. */
export type Shape = 'daily' | 'dense' | 'day-of-month' | 'day-of-week' | 'never';

/** A generated expression and how many firings to compare. */
export interface GeneratedCron {
  readonly expression: string;
  readonly shape: Shape;
  /** How many firings to ask for. */
  readonly count: number;
}

function cased(p: Picker, name: string): string {
  return p.chance(0.2) ? name.toLowerCase() : name;
}

function minuteField(p: Picker, focus: Focus): string {
  const danger = [...DANGER_MINUTES, ...focus.minutes];
  return p.weighted<string>([
    [6, () => String(p.one(danger))],
    [2, () => p.distinct(danger, p.int(2, 3)).join(',')],
    [1, () => `${p.one([0, 15, 30])}/${p.one([15, 30])}`],
    [1, () => `${p.one([0, 10, 15])}-${p.one([30, 45, 59])}/${p.one([15, 20])}`],
    [1, () => String(p.int(0, 59))],
  ]);
}

function hourField(p: Picker, focus: Focus): string {
  const near = [...focus.hours, ...DANGER_HOURS];
  return p.weighted<string>([
    [7, () => String(p.one(near))],
    [2, () => p.distinct(near, p.int(2, 3)).join(',')],
    [1, () => `${p.one([0, 1])}-${p.one([2, 3, 4])}`],
    [1, () => `${p.one([0, 1, 2])}/${p.one([6, 12])}`],
    [1, () => String(p.int(0, 23))],
  ]);
}

function monthField(p: Picker, focus: Focus): string {
  const next = (focus.month % 12) + 1;
  return p
    .weighted<string>([
      [8, () => '*'],
      [1, () => `${focus.month},${next}`],
      [1, () => `${cased(p, MONTHS[focus.month - 1])}-${cased(p, MONTHS[next - 1])}`],
      [1, () => (p.chance(0.5) ? 'JAN,MAR' : 'jan,mar,APR,oct,NOV')],
      [1, () => `${p.one([1, 2])}/${p.one([2, 3])}`],
    ])
    .replace(/^(\w+)-(\w+)$/, (whole, a: string, b: string) =>
      // A range must not run backwards (DEC-JAN): list the two months instead.
      MONTHS.indexOf(a.toUpperCase()) < MONTHS.indexOf(b.toUpperCase()) ? whole : `${a},${b}`,
    );
}

function yearField(p: Picker, focus: Focus): string {
  const y = focus.year;
  return p.weighted<string>([
    [8, () => '*'],
    [1, () => String(y)],
    [1, () => String(y + 1)],
    [1, () => `${y}-${y + 1}`],
    [1, () => `${y},${y + 2}`],
  ]);
}

function dayOfMonthField(p: Picker): string {
  return p.weighted<string>([
    [2, () => 'L'],
    [2, () => 'LW'],
    [5, () => `${p.one([29, 30, 31, 31, 30, 1, 2, 15, 28])}W`],
    [1, () => `${p.int(1, 28)}`],
    [1, () => `${p.one([1, 10])}-${p.one([15, 31])}`],
    [1, () => `${p.one([1, 5])}/${p.one([7, 10])}`],
    [1, () => p.distinct([1, 15, 28, 29, 30, 31], 3).join(',')],
  ]);
}

function dayOfWeekField(p: Picker): string {
  const day = (n: number) => (p.chance(0.5) ? String(n) : cased(p, WEEKDAYS[n - 1]));
  return p.weighted<string>([
    [2, () => `${cased(p, 'MON')}-${cased(p, 'FRI')}`],
    [2, () => day(p.int(1, 7))],
    [1, () => p.distinct([1, 2, 3, 4, 5, 6, 7], 2).map(day).join(',')],
    [1, () => `${p.int(1, 4)}-${p.int(5, 7)}`],
    [1, () => 'L'],
    [2, () => `${day(p.int(1, 7))}L`],
    [3, () => `${day(p.int(1, 7))}#${p.one([1, 2, 4, 5])}`],
  ]);
}

/** An expression that fires every minute or quarter hour for an hour or two around the change. */
function denseCron(p: Picker, focus: Focus): string {
  const hour = p.one(focus.hours);
  const hours = p.chance(0.5) ? String(hour) : `${hour}-${Math.min(23, hour + 1)}`;
  return p.weighted<string>([
    [2, () => `cron(* ${hours} * * ? *)`],
    [2, () => `cron(0/15 ${hours} * * ? *)`],
    [1, () => `cron(*/5 ${hours} ? * * *)`],
    [1, () => `cron(${p.one([0, 30, 45])} * * * ? *)`],
    [1, () => `cron(*/15 * * * ? ${focus.year})`],
  ]);
}

/** An expression that never fires after `focus`: a past year, or a day no month or year has. */
function neverCron(p: Picker, focus: Focus): string {
  return p.one([
    `cron(0 ${p.one(focus.hours)} * * ? ${focus.year - 1})`,
    `cron(${p.one(DANGER_MINUTES)} ${p.one(focus.hours)} ? * * ${focus.year - 2}-${focus.year - 1})`,
    `cron(30 ${p.one(focus.hours)} 30 FEB ? *)`,
    `cron(0 8 31 APR,JUN,SEP,NOV ? *)`,
    // February has a fifth Tuesday only in a leap year starting on a Tuesday (2028 is one).
    `cron(0 8 ? FEB TUE#5 ${focus.year})`,
  ]);
}

/** One expression aimed at `focus`, with how many firings to compare. */
export function generateCron(p: Picker, focus: Focus): GeneratedCron {
  return p.weighted<GeneratedCron>([
    [
      12,
      () => ({
        expression: `cron(${minuteField(p, focus)} ${hourField(p, focus)} * ${monthField(p, focus)} ? ${yearField(p, focus)})`,
        shape: 'daily',
        count: 3,
      }),
    ],
    [2, () => ({ expression: denseCron(p, focus), shape: 'dense', count: 30 })],
    [
      3,
      () => ({
        expression: `cron(${minuteField(p, focus)} ${hourField(p, focus)} ${dayOfMonthField(p)} ${monthField(p, focus)} ? ${yearField(p, focus)})`,
        shape: 'day-of-month',
        count: 1,
      }),
    ],
    [
      5,
      () => ({
        expression: `cron(${minuteField(p, focus)} ${hourField(p, focus)} ? ${monthField(p, focus)} ${dayOfWeekField(p)} ${yearField(p, focus)})`,
        shape: 'day-of-week',
        count: 2,
      }),
    ],
    [1, () => ({ expression: neverCron(p, focus), shape: 'never', count: 1 })],
  ]);
}
