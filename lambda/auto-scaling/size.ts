/**
 * A group's size as the size tag keeps it: `min,desired,max`, e.g. `2,3,6`, whole numbers with
 * min <= desired <= max.
 */
import { sizeTagKey } from '../../lib/common/shared-names';

/** A group's MinSize, DesiredCapacity and MaxSize. */
export interface GroupSize {
  readonly min: number;
  readonly desired: number;
  readonly max: number;
}

export function formatSize(size: GroupSize): string {
  return `${size.min},${size.desired},${size.max}`;
}

/** The size a tag value holds, or the reason it holds none. */
export function parseSize(value: string): GroupSize | { readonly malformed: string } {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) {
    return { malformed: `"${value}" is not min,desired,max (three whole numbers, e.g. 2,3,6)` };
  }
  const [min, desired, max] = parts.map(Number);
  if (!(min <= desired && desired <= max)) {
    return { malformed: `"${value}" does not have min <= desired <= max` };
  }
  return { min, desired, max };
}

/** True when `size` is what a stop leaves: MinSize 0 and DesiredCapacity 0. */
export function atZero(size: GroupSize): boolean {
  return size.min === 0 && size.desired === 0;
}

/** What a group's (or node group's) line says when a start gave it the schedule's groupFallbackSize. */
export function fallbackReason(tagKey: string, to: GroupSize): string {
  return `no ${sizeTagKey(tagKey)} tag: the schedule's groupFallbackSize ${formatSize(to)}`;
}
