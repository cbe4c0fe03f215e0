/**
 * The building blocks of the event's schema (valibot): one per kind of field, each with the
 * message its checks give, and the translation of the first issue into the error a malformed
 * event raises, `malformed event: <field> <value> <what is expected>`.
 */
import * as v from 'valibot';
import { isCalendarDate, UTC_OFFSET_RULE, utcOffsetOf } from '../schedule/time-zone';

/** An event the functions refuse before any API call: `malformed event: <field> <value> <fix>`. */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(`malformed event: ${message}`);
    this.name = 'MalformedEventError';
  }
}

/** A strict ISO 8601 time with a zone, e.g. `2026-11-30T13:00:00Z` or `...08:00:00.5-05:00`. */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** An EC2 instance id: `i-` and 8 or 17 hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** A value for an error message, cut short when long. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 80 ? text : `${text.slice(0, 77)}...(${text.length} characters)`;
}

/** What a field's check says after the field's name, given the issue (its `input` the value). */
export type Says = (issue: v.BaseIssue<unknown>) => string;

/** `<value> <expected>`: the message of most checks. */
export const says =
  (expected: string): Says =>
  (issue) =>
    `${show(issue.input)} ${expected}`;

/** A path item of a key an object lacks, where that "object" is a list (valibot takes lists as objects). */
const inList = (item: v.IssuePathItem | undefined) =>
  item?.origin === 'key' && Array.isArray(item.input);

/** The field's name in a message: `skipDates[0]`, `followUp.buckets.at`. */
function fieldOf(path: v.BaseIssue<unknown>['path']): string {
  const items = path && inList(path.at(-1)) ? path.slice(0, -1) : (path ?? []);
  return items
    .map(({ key }) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
    .join('')
    .replace(/^\./, '');
}

/** The error for the first issue of a failed parse. */
export function malformedEvent(issues: readonly v.BaseIssue<unknown>[]): MalformedEventError {
  const [issue] = issues;
  const field = fieldOf(issue.path);
  return new MalformedEventError(field ? `${field} ${issue.message}` : issue.message);
}

/**
 * An object of `entries` that says `message` when the value is no object (a list neither). A
 * missing key says what its own check says of `undefined`
 * (`schedule undefined must be a non-empty string`).
 */
export function record<const E extends v.ObjectEntries>(entries: E, message: Says) {
  return v.object(entries, (issue) => {
    const item = issue.path?.at(-1);
    if (item === undefined || typeof item.key !== 'string' || !(item.key in entries)) {
      return message(issue);
    }
    if (inList(item)) return message({ ...issue, input: item.input });
    return v.safeParse(entries[item.key], undefined).issues?.[0].message ?? message(issue);
  });
}

/** A string of 1 to `max` characters. */
export function text(max: number) {
  const nonEmpty = says('must be a non-empty string');
  return v.pipe(
    v.string(nonEmpty),
    v.minLength(1, nonEmpty),
    v.maxLength(
      max,
      (issue) =>
        `${show(issue.input)} is ${issue.input.length} characters long; at most ${max} are allowed`,
    ),
  );
}

/** `true` or `false`. */
export const flag = () => v.boolean(says('must be true or false'));

/** A whole number from `min` to `max`; `message` tells the fix. */
export function wholeNumber(
  min: number,
  max: number,
  message = says(`must be a whole number of at least ${min} and at most ${max}`),
) {
  return v.pipe(
    v.number(message),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
}

/** Why `value` is not a strict ISO 8601 time of a real date and time with a zone, if it is not. */
function isoTimeProblem(value: unknown): string | undefined {
  const m = typeof value === 'string' ? ISO_8601.exec(value) : null;
  if (m && utcOffsetOf(m[7]) === undefined) {
    return `${show(value)} has the UTC offset ${m[7]}, which does not exist (${UTC_OFFSET_RULE})`;
  }
  const real =
    m !== null &&
    !Number.isNaN(new Date(value as string).getTime()) &&
    isCalendarDate(`${m[1]}-${m[2]}-${m[3]}`) &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6] ?? 0) <= 59;
  return real ? undefined : `${show(value)} is not an ISO 8601 time such as "2026-11-27T13:00:00Z"`;
}

/** What {@link isoTime} says of a value it refuses. */
export const isoTimeSays: Says = (issue) => isoTimeProblem(issue.input) ?? '';

/** A strict ISO 8601 time with a zone (`Z` or an offset), of a real date and time. */
export function isoTime() {
  return v.pipe(
    v.string(isoTimeSays),
    v.regex(ISO_8601, isoTimeSays),
    v.check((value) => isoTimeProblem(value) === undefined, isoTimeSays),
  );
}

/** A local date in YYYY-MM-DD form that exists. */
export function calendarDate() {
  const message = says('is not a real date in YYYY-MM-DD form');
  return v.pipe(
    v.string(message),
    v.regex(/^\d{4}-\d{2}-\d{2}$/, message),
    v.check(isCalendarDate, message),
  );
}

/** A string matching `shape`; `message` tells the fix. */
export function matching(shape: RegExp, message: Says) {
  return v.pipe(v.string(message), v.regex(shape, message));
}

/** A list of strings matching `shape`: `must be <list>`, and each `must be <item>`. */
export function listOf(shape: RegExp, list: string, item: string) {
  return v.array(matching(shape, says(`must be ${item}`)), says(`must be ${list}`));
}

/** `T` with every property and list read-only, to any depth: the types the schemas give. */
export type Frozen<T> = T extends readonly (infer U)[]
  ? readonly Frozen<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;
