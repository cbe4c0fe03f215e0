/**
 * On-demand hourly prices of EC2 instance types from the AWS Price List Query API
 * (`pricing:GetProducts`), for `suggest`'s savings: one call per distinct instance type and
 * operating system, cached for the run.
 */
import { GetProductsCommand, PricingClient, type Filter } from '@aws-sdk/client-pricing';
import { AwsCallError } from '../common/cli-errors';

/** The Price List attributes of an instance's operating system and pre-installed software. */
export interface PriceListOs {
  readonly operatingSystem: string;
  readonly preInstalledSw: string;
}

/**
 * EC2's `PlatformDetails` (DescribeInstances) read as Price List attributes; undefined for a
 * platform this table does not know (its price is then not looked up, and the report says so).
 */
const PLATFORMS: Record<string, PriceListOs> = {
  'Linux/UNIX': { operatingSystem: 'Linux', preInstalledSw: 'NA' },
  'Red Hat Enterprise Linux': { operatingSystem: 'RHEL', preInstalledSw: 'NA' },
  'Red Hat Enterprise Linux with HA': {
    operatingSystem: 'Red Hat Enterprise Linux with HA',
    preInstalledSw: 'NA',
  },
  'SUSE Linux': { operatingSystem: 'SUSE', preInstalledSw: 'NA' },
  'Ubuntu Pro': { operatingSystem: 'Ubuntu Pro', preInstalledSw: 'NA' },
  Windows: { operatingSystem: 'Windows', preInstalledSw: 'NA' },
  'Windows with SQL Server Web': { operatingSystem: 'Windows', preInstalledSw: 'SQL Web' },
  'Windows with SQL Server Standard': { operatingSystem: 'Windows', preInstalledSw: 'SQL Std' },
  'Windows with SQL Server Enterprise': { operatingSystem: 'Windows', preInstalledSw: 'SQL Ent' },
};

export function priceListOs(platformDetails: string | undefined): PriceListOs | undefined {
  return PLATFORMS[platformDetails ?? 'Linux/UNIX'];
}

/**
 * The Region the Price List Query API is called in: it answers in us-east-1, eu-central-1 and
 * ap-south-1 for the commercial partition, cn-northwest-1 for China. The endpoint itself comes
 * from the SDK's configuration (`AWS_ENDPOINT_URL_PRICING` overrides it).
 */
export function pricingRegionFor(region: string): string {
  return region.startsWith('cn-') ? 'cn-northwest-1' : 'us-east-1';
}

const term = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });

interface PriceDimension {
  unit?: string;
  pricePerUnit?: Record<string, string>;
}
interface Product {
  terms?: { OnDemand?: Record<string, { priceDimensions?: Record<string, PriceDimension> }> };
}

/** The USD per hour of a product's on-demand term, if it has one. */
function onDemandUsdPerHour(product: Product): number | undefined {
  for (const t of Object.values(product.terms?.OnDemand ?? {})) {
    for (const d of Object.values(t.priceDimensions ?? {})) {
      const usd = Number(d.pricePerUnit?.USD);
      if (d.unit === 'Hrs' && Number.isFinite(usd)) return usd;
    }
  }
  return undefined;
}

/** Prices of one Region, each looked up once. */
export class PriceBook {
  private readonly cache = new Map<string, Promise<number | undefined>>();
  /** GetProducts calls made. */
  calls = 0;

  constructor(
    private readonly pricing: PricingClient,
    private readonly regionCode: string,
  ) {}

  /**
   * The on-demand USD per hour of `instanceType` with `os` in this Region, shared tenancy, no
   * capacity reservation; undefined when the Price List has none (or more than one) such price.
   * @throws AwsCallError when the call fails after the SDK's retries
   */
  usdPerHour(instanceType: string, os: PriceListOs): Promise<number | undefined> {
    const key = `${instanceType}|${os.operatingSystem}|${os.preInstalledSw}`;
    let price = this.cache.get(key);
    if (!price) {
      price = this.lookUp(instanceType, os);
      this.cache.set(key, price);
    }
    return price;
  }

  private async lookUp(instanceType: string, os: PriceListOs): Promise<number | undefined> {
    this.calls++;
    const out = await this.pricing
      .send(
        new GetProductsCommand({
          ServiceCode: 'AmazonEC2',
          FormatVersion: 'aws_v1',
          MaxResults: 10,
          Filters: [
            term('instanceType', instanceType),
            term('regionCode', this.regionCode),
            term('operatingSystem', os.operatingSystem),
            term('preInstalledSw', os.preInstalledSw),
            term('tenancy', 'Shared'),
            term('capacitystatus', 'Used'),
            term('licenseModel', 'No License required'),
          ],
        }),
      )
      .catch((err: unknown) => {
        throw AwsCallError.of('GetProducts', err);
      });
    // Each element is one product's JSON document, as a string or the SDK's LazyJsonString.
    const list = (out.PriceList ?? []) as unknown[];
    const prices = new Set(
      list
        .map((p) => onDemandUsdPerHour(JSON.parse(String(p)) as Product))
        .filter((p): p is number => p !== undefined),
    );
    return prices.size === 1 ? [...prices][0] : undefined;
  }
}
