/**
 * EC2 products of the AWS Price List (format `aws_v1`), as GetProducts returns them: one JSON
 * document per SKU with `product.attributes` and `terms.OnDemand` / `terms.Reserved`.
 *
 * For each price a test lists, the fake also lists the sibling products a loose filter would
 * wrongly match, each at another price: capacity reservations (capacitystatus
 * AllocatedCapacityReservation, priced 0 as in AWS; UnusedCapacityReservation, priced 5 % above
 * the entry, where AWS charges the entry's price, so a wrong pick shows), Dedicated tenancy (10 %
 * above) and SQL Server Standard pre-installed (+1.00 USD an hour). Only the entry itself
 * (tenancy Shared, preInstalledSw NA, capacitystatus Used) carries the listed price.
 */
import { createHash } from 'node:crypto';

export interface InstancePrice {
  /** e.g. `eu-central-1`. */
  readonly regionCode: string;
  /** e.g. `m5.large`. */
  readonly instanceType: string;
  /** As in the Price List: `Linux`, `Windows`, `RHEL`, `SUSE`, `Red Hat Enterprise Linux with HA`, `Ubuntu Pro`. */
  readonly operatingSystem: string;
  /** On-Demand USD per hour of the plain product (Shared tenancy, no pre-installed software). */
  readonly usdPerHour: number;
}

/** One product: its attributes (for filters) and its JSON document (the PriceList string). */
export interface PriceListProduct {
  readonly sku: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly productFamily: string;
  readonly document: string;
}

const LOCATIONS: Readonly<Record<string, readonly [string, string]>> = {
  'us-east-1': ['US East (N. Virginia)', ''],
  'us-east-2': ['US East (Ohio)', 'USE2-'],
  'us-west-1': ['US West (N. California)', 'USW1-'],
  'us-west-2': ['US West (Oregon)', 'USW2-'],
  'eu-central-1': ['EU (Frankfurt)', 'EUC1-'],
  'eu-west-1': ['EU (Ireland)', 'EU-'],
  'eu-west-2': ['EU (London)', 'EUW2-'],
  'eu-west-3': ['EU (Paris)', 'EUW3-'],
  'eu-north-1': ['EU (Stockholm)', 'EUN1-'],
  'ap-northeast-1': ['Asia Pacific (Tokyo)', 'APN1-'],
  'ap-southeast-1': ['Asia Pacific (Singapore)', 'APS1-'],
  'ap-southeast-2': ['Asia Pacific (Sydney)', 'APS2-'],
};

/** The Price List's `operation` code of an operating system (plus SQL Server Standard). */
function operationOf(os: string, sqlStd: boolean): string {
  const codes: Record<string, string> = {
    Linux: sqlStd ? ':0004' : '',
    Windows: sqlStd ? ':0006' : ':0002',
    RHEL: sqlStd ? ':0014' : ':0010',
    SUSE: sqlStd ? ':000h' : ':000g',
    'Red Hat Enterprise Linux with HA': ':1010',
    'Ubuntu Pro': ':0g00',
  };
  return `RunInstances${codes[os] ?? ''}`;
}

interface Variant {
  readonly tenancy: 'Shared' | 'Dedicated';
  readonly preInstalledSw: 'NA' | 'SQL Std';
  readonly capacitystatus: 'Used' | 'AllocatedCapacityReservation' | 'UnusedCapacityReservation';
  readonly price: (usd: number) => number;
}

const VARIANTS: readonly Variant[] = [
  { tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used', price: (p) => p },
  {
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'AllocatedCapacityReservation',
    price: () => 0,
  },
  {
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'UnusedCapacityReservation',
    price: (p) => p * 1.05,
  },
  { tenancy: 'Dedicated', preInstalledSw: 'NA', capacitystatus: 'Used', price: (p) => p * 1.1 },
  { tenancy: 'Shared', preInstalledSw: 'SQL Std', capacitystatus: 'Used', price: (p) => p + 1 },
];

function code(...parts: string[]): string {
  return createHash('sha1').update(parts.join('|')).digest('hex').slice(0, 16).toUpperCase();
}

function usageType(prefix: string, v: Variant, instanceType: string): string {
  if (v.tenancy === 'Dedicated') return `${prefix}DedicatedUsage:${instanceType}`;
  if (v.capacitystatus === 'AllocatedCapacityReservation')
    return `${prefix}Reservation:${instanceType}`;
  if (v.capacitystatus === 'UnusedCapacityReservation') return `${prefix}UnusedBox:${instanceType}`;
  return `${prefix}BoxUsage:${instanceType}`;
}

function attributesOf(p: InstancePrice, v: Variant): Record<string, string> {
  const [location, prefix] = LOCATIONS[p.regionCode] ?? [
    p.regionCode,
    `${p.regionCode.toUpperCase()}-`,
  ];
  return {
    servicecode: 'AmazonEC2',
    servicename: 'Amazon Elastic Compute Cloud',
    location,
    locationType: 'AWS Region',
    regionCode: p.regionCode,
    instanceType: p.instanceType,
    instanceFamily: 'General purpose',
    currentGeneration: 'Yes',
    operatingSystem: p.operatingSystem,
    licenseModel: 'No License required',
    tenancy: v.tenancy,
    preInstalledSw: v.preInstalledSw,
    capacitystatus: v.capacitystatus,
    marketoption: 'OnDemand',
    usagetype: usageType(prefix, v, p.instanceType),
    operation: operationOf(p.operatingSystem, v.preInstalledSw === 'SQL Std'),
    availabilityzone: 'NA',
  };
}

const usd = (n: number) => n.toFixed(10);

function priceDimension(sku: string, term: string, price: string, description: string) {
  const rateCode = `${sku}.${term}.6YS6EN2CT7`;
  return {
    [rateCode]: {
      unit: 'Hrs',
      endRange: 'Inf',
      description,
      appliesTo: [],
      rateCode,
      beginRange: '0',
      pricePerUnit: { USD: price },
    },
  };
}

/** The Price List document of one product variant of an entry. */
function productOf(p: InstancePrice, v: Variant, publication: string): PriceListProduct {
  const attributes = attributesOf(p, v);
  const sku = code(...Object.values(attributes));
  const hourly = v.price(p.usdPerHour);
  const onDemand = 'JRTCKXETXF';
  const reserved = '4NA7Y494T4';
  const terms = {
    OnDemand: {
      [`${sku}.${onDemand}`]: {
        priceDimensions: priceDimension(
          sku,
          onDemand,
          usd(hourly),
          `$${hourly.toFixed(3)} per On Demand ${p.operatingSystem} ${p.instanceType} Instance Hour`,
        ),
        sku,
        effectiveDate: publication,
        offerTermCode: onDemand,
        termAttributes: {},
      },
    },
    Reserved: {
      [`${sku}.${reserved}`]: {
        priceDimensions: priceDimension(
          sku,
          reserved,
          usd(hourly * 0.62),
          `${p.operatingSystem} (Amazon VPC), ${p.instanceType} reserved instance applied`,
        ),
        sku,
        effectiveDate: publication,
        offerTermCode: reserved,
        termAttributes: {
          LeaseContractLength: '1yr',
          OfferingClass: 'standard',
          PurchaseOption: 'No Upfront',
        },
      },
    },
  };
  const product = { productFamily: 'Compute Instance', attributes, sku };
  const document = JSON.stringify({
    product,
    serviceCode: 'AmazonEC2',
    terms,
    version: '20260101000000',
    publicationDate: publication,
  });
  return { sku, attributes, productFamily: product.productFamily, document };
}

/** Every product of the entries: each entry's own product first, then its siblings. */
export function priceListProducts(prices: readonly InstancePrice[]): PriceListProduct[] {
  const publication = '2026-01-01T00:00:00Z';
  return prices.flatMap((p) => VARIANTS.map((v) => productOf(p, v, publication)));
}
