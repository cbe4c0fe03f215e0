/** The checks every field of an event goes through, and the error they raise. */
import { isCalendarDate, UTC_OFFSET_RULE, utcOffsetOf } from '../schedule/time-zone';

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

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value for an error message, cut short when long. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 80 ? text : `${text.slice(0, 77)}...(${text.length} characters)`;
}

/** A strict ISO 8601 time with a zone (`Z` or an offset), of a real date and time. */
export function isoDate(field: string, value: unknown): Date {
  const m = typeof value === 'string' ? ISO_8601.exec(value) : null;
  if (m && utcOffsetOf(m[7]) === undefined) {
    throw new MalformedEventError(
      `${field} ${show(value)} has the UTC offset ${m[7]}, which does not exist (${UTC_OFFSET_RULE})`,
    );
  }
  const at = m ? new Date(value as string) : new Date(NaN);
  const real =
    m !== null &&
    !Number.isNaN(at.getTime()) &&
    isCalendarDate(`${m[1]}-${m[2]}-${m[3]}`) &&
    Number(m[4]) <= 23 &&
    Number(m[5]) <= 59 &&
    Number(m[6] ?? 0) <= 59;
  if (!real) {
    throw new MalformedEventError(
      `${field} ${show(value)} is not an ISO 8601 time such as "2026-11-27T13:00:00Z"`,
    );
  }
  return at;
}

export function text(raw: Record<string, unknown>, field: string, max: number): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new MalformedEventError(`${field} ${show(value)} must be a non-empty string`);
  }
  if (value.length > max) {
    throw new MalformedEventError(
      `${field} ${show(value)} is ${value.length} characters long; at most ${max} are allowed`,
    );
  }
  return value;
}

export function flag(raw: Record<string, unknown>, field: string): boolean {
  const value = raw[field] ?? false;
  if (typeof value !== 'boolean') {
    throw new MalformedEventError(`${field} ${show(value)} must be true or false`);
  }
  return value;
}

export function wholeNumber(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new MalformedEventError(
      `${field} ${show(value)} must be a whole number of at least ${min} and at most ${max}`,
    );
  }
  return value;
}
