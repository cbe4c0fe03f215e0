import {
  GetProductsCommand,
  PricingClient,
  PricingServiceException,
  paginateGetProducts,
  type Filter,
} from '@aws-sdk/client-pricing';
import { startPricingEndpoint, type PricingEndpoint } from '../harness/pricing-endpoint';

let ep: PricingEndpoint;
let pricing: PricingClient;

const term = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });

/** The filters a correct client sends for one Linux On-Demand price. */
const exact = (instanceType: string, regionCode: string, operatingSystem: string): Filter[] => [
  term('instanceType', instanceType),
  term('regionCode', regionCode),
  term('operatingSystem', operatingSystem),
  term('tenancy', 'Shared'),
  term('preInstalledSw', 'NA'),
  term('capacitystatus', 'Used'),
  term('marketoption', 'OnDemand'),
];

interface Product {
  product: { attributes: Record<string, string> };
  terms: {
    OnDemand: Record<
      string,
      { priceDimensions: Record<string, { unit: string; pricePerUnit: { USD: string } }> }
    >;
    Reserved: Record<string, unknown>;
  };
}

const onDemandUsd = (p: Product) =>
  Object.values(p.terms.OnDemand).flatMap((t) =>
    Object.values(t.priceDimensions).map((d) => [d.unit, Number(d.pricePerUnit.USD)]),
  );

async function products(filters: Filter[]): Promise<Product[]> {
  const out: Product[] = [];
  for await (const page of paginateGetProducts(
    { client: pricing, pageSize: 2 },
    { ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1', Filters: filters },
  )) {
    out.push(...(page.PriceList ?? []).map((s: unknown) => JSON.parse(String(s)) as Product));
  }
  return out;
}

beforeAll(async () => {
  ep = await startPricingEndpoint({
    prices: [
      {
        regionCode: 'eu-central-1',
        instanceType: 'm5.large',
        operatingSystem: 'Linux',
        usdPerHour: 0.115,
      },
      {
        regionCode: 'eu-central-1',
        instanceType: 'm5.large',
        operatingSystem: 'Windows',
        usdPerHour: 0.207,
      },
      {
        regionCode: 'us-east-1',
        instanceType: 'm5.large',
        operatingSystem: 'Linux',
        usdPerHour: 0.096,
      },
    ],
  });
  pricing = new PricingClient({
    endpoint: ep.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake-secret' },
    maxAttempts: 1,
  });
});

beforeEach(() => ep.reset());

afterAll(async () => {
  pricing.destroy();
  await ep.close();
});

test.each([
  ['m5.large', 'eu-central-1', 'Linux', 0.115],
  ['m5.large', 'eu-central-1', 'Windows', 0.207],
  ['m5.large', 'us-east-1', 'Linux', 0.096],
])('%s in %s on %s: exactly one product, at its price per hour', async (type, region, os, usd) => {
  const found = await products(exact(type, region, os));
  expect(found).toHaveLength(1);
  expect(found[0].product.attributes).toMatchObject({
    instanceType: type,
    regionCode: region,
    operatingSystem: os,
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'Used',
    licenseModel: 'No License required',
    marketoption: 'OnDemand',
  });
  expect(onDemandUsd(found[0])).toEqual([['Hrs', usd]]);
  expect(Object.keys(found[0].terms.Reserved)).toHaveLength(1);
});

test('a loose filter also matches the siblings, each at another price', async () => {
  const loose = await products([
    term('instanceType', 'm5.large'),
    term('regionCode', 'eu-central-1'),
    term('operatingSystem', 'Linux'),
  ]);
  const byVariant = Object.fromEntries(
    loose.map((p) => {
      const a = p.product.attributes;
      return [`${a.tenancy}/${a.preInstalledSw}/${a.capacitystatus}`, onDemandUsd(p)[0][1]];
    }),
  );
  expect(byVariant).toEqual({
    'Shared/NA/Used': 0.115,
    'Shared/NA/AllocatedCapacityReservation': 0,
    'Shared/NA/UnusedCapacityReservation': expect.any(Number),
    'Dedicated/NA/Used': expect.any(Number),
    'Shared/SQL Std/Used': expect.any(Number),
  });
  expect(new Set(Object.values(byVariant)).size).toBe(5);
  // Pages of 2: three calls for five products.
  expect(ep.countCalls()).toBe(3);
  expect(ep.calls.map((c) => c.products)).toEqual([2, 2, 1]);
});

test('unknown filter fields or values give an empty PriceList', async () => {
  expect(await products([term('instanceType', 'm5.huge')])).toEqual([]);
  expect(await products([term('noSuchAttribute', 'x')])).toEqual([]);
  expect(
    await products([
      ...exact('m5.large', 'eu-central-1', 'Linux'),
      term('operatingSystem', 'linux'),
    ]),
  ).toEqual([]);
});

test('denyAccess answers AccessDeniedException', async () => {
  ep.denyAccess = true;
  const err = await pricing
    .send(
      new GetProductsCommand({
        ServiceCode: 'AmazonEC2',
        Filters: exact('m5.large', 'us-east-1', 'Linux'),
      }),
    )
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(PricingServiceException);
  expect((err as PricingServiceException).name).toBe('AccessDeniedException');
  expect(ep.calls[0]).toMatchObject({ status: 401, errorCode: 'AccessDeniedException' });
});
