/**
 * The prices `suggest` shows for a fleet: one Price List lookup per distinct instance type and
 * system, a few at a time; a failed lookup leaves its instances without a price, and says why,
 * instead of failing the run.
 */
import { mapLimit } from '../common/map-limit';
import { priceListOs, type PriceBook, type PriceListOs } from './prices';
import type { InstanceFacts, PriceOf } from './suggest-report';

/** GetProducts calls at once. */
const PRICE_CONCURRENCY = 4;

/** The prices found, and the first failed lookup (its instances have a note instead). */
export interface Priced {
  readonly prices: Map<string, PriceOf>;
  readonly failure?: { readonly error: Error; readonly lookups: number; readonly of: number };
}

/**
 * Prices of the instances that have a proposal or are always idle: one GetProducts call per
 * distinct type and system, a few at a time. A failed lookup (after the SDK's retries) leaves its
 * instances without a price, and says why, instead of failing the run.
 */
export async function pricesOf(book: PriceBook, facts: readonly InstanceFacts[]): Promise<Priced> {
  const known = facts.filter((f) => priceListOs(f.platform));
  const distinct = [...new Map(known.map((f) => [`${f.instanceType}|${f.platform}`, f])).values()];
  const found = new Map<string, number | undefined | Error>();
  await mapLimit(distinct, PRICE_CONCURRENCY, async (f) => {
    const os = priceListOs(f.platform) as PriceListOs;
    found.set(
      `${f.instanceType}|${f.platform}`,
      await book.usdPerHour(f.instanceType, os).catch((err: Error) => err),
    );
  });
  const failed = [...found.values()].filter((v): v is Error => v instanceof Error);
  const prices = new Map<string, PriceOf>();
  for (const f of facts) {
    const os = priceListOs(f.platform);
    const usdPerHour = found.get(`${f.instanceType}|${f.platform}`);
    prices.set(
      f.instanceId,
      !os
        ? { note: `no price: platform "${f.platform}" is not one the Price List lookup knows` }
        : usdPerHour instanceof Error
          ? { note: `no price: ${usdPerHour.message}` }
          : usdPerHour === undefined
            ? { note: `no on-demand price found for ${f.instanceType} (${os.operatingSystem})` }
            : { usdPerHour },
    );
  }
  return {
    prices,
    ...(failed.length > 0
      ? { failure: { error: failed[0], lookups: failed.length, of: found.size } }
      : {}),
  };
}

/** The warning (and the report's note) when Price List lookups failed. */
export function priceWarning(
  failure: NonNullable<Priced['failure']>,
  pricingRegion: string,
): string {
  return `Price List lookups failed (${failure.lookups} of ${failure.of}: ${failure.error.message}), so those savings are not priced; grant pricing:GetProducts (it is called in ${pricingRegion}), or skip prices with --no-prices.`;
}
