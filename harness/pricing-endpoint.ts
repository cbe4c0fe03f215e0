/**
 * A loopback fake of the AWS Price List Query API's GetProducts for EC2, in the wire format
 * `@aws-sdk/client-pricing` speaks (awsJson1_1, `X-Amz-Target: AWSPriceListService.GetProducts`).
 * Products are generated from a list of prices (`pricing-products.ts`), with the siblings a loose
 * filter would match. Point `AWS_ENDPOINT_URL_PRICING` (or the client's `endpoint`) at its `url`.
 *
 * Filters: every filter must match (`TERM_MATCH`: the attribute, named in any case, equals the value exactly);
 * a field that no product has, or a ServiceCode other than AmazonEC2, gives an empty PriceList.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AwsJsonError,
  checkCredentialScope,
  parseJsonBody,
  sendJson,
  sendJsonError,
  targetOperation,
} from './aws-json';
import { closeServer, startLoopbackFake } from './loopback';
import { priceListProducts, type InstancePrice, type PriceListProduct } from './pricing-products';

export type { InstancePrice, PriceListProduct } from './pricing-products';

/** GetProducts' MaxResults: at most 100 (the API's maximum), 100 when not given. */
export const MAX_PRODUCTS_PER_PAGE = 100;

export interface PricingEndpointOptions {
  readonly prices?: readonly InstancePrice[];
  /** Artificial delay before each call is processed. Default 0. */
  readonly latencyMs?: number;
}

/** One call as the fake took it. */
export interface PricingCall {
  /** From `X-Amz-Target`. */
  readonly operation: string;
  /** The request's filters, as sent. */
  readonly filters: readonly { Type?: string; Field?: string; Value?: string }[];
  /** Products returned (0 for a failed call). */
  readonly products: number;
  readonly status: number;
  readonly errorCode?: string;
}

interface Filter {
  readonly Type?: string;
  readonly Field?: string;
  readonly Value?: string;
}

export class PricingEndpoint {
  readonly url: string;
  readonly calls: PricingCall[] = [];
  latencyMs: number;
  /** When true, every call answers AccessDeniedException. */
  denyAccess = false;
  private products: PriceListProduct[] = [];

  /** @internal use {@link startPricingEndpoint}. */
  constructor(
    private readonly server: Server,
    options: PricingEndpointOptions,
  ) {
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.latencyMs = options.latencyMs ?? 0;
    this.setPrices(options.prices ?? []);
  }

  /** Replace the price list. */
  setPrices(prices: readonly InstancePrice[]): void {
    this.products = priceListProducts(prices);
  }

  /** Every product served (entries and their siblings), for assertions. */
  allProducts(): readonly PriceListProduct[] {
    return this.products;
  }

  countCalls(): number {
    return this.calls.length;
  }

  reset(): void {
    this.calls.length = 0;
    this.denyAccess = false;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** @internal */
  async process(req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const operation = targetOperation(req, 'AWSPriceListService');
    let filters: Filter[] = [];
    try {
      checkCredentialScope(req, 'pricing', false);
      const request = parseJsonBody(body);
      filters = Array.isArray(request.Filters) ? (request.Filters as Filter[]) : [];
      const page = this.answer(operation, request, filters);
      this.calls.push({ operation, filters, products: page.PriceList.length, status: 200 });
      sendJson(res, '1.1', 200, page);
    } catch (caught) {
      const e =
        caught instanceof AwsJsonError
          ? caught
          : new AwsJsonError(
              'InternalErrorException',
              `Fake Price List bug: ${String(caught)}`,
              500,
            );
      this.calls.push({ operation, filters, products: 0, status: e.status, errorCode: e.code });
      sendJsonError(res, '1.1', e, false);
    }
  }

  private answer(operation: string, request: Record<string, unknown>, filters: Filter[]) {
    if (this.denyAccess) {
      throw new AwsJsonError(
        'AccessDeniedException',
        `User: arn:aws:sts::123456789012:assumed-role/fake/session is not authorized to perform: pricing:${operation}`,
        401,
      );
    }
    if (operation !== 'GetProducts') {
      throw new AwsJsonError(
        'UnknownOperationException',
        `${operation || '(none)'} is not served by this fake.`,
      );
    }
    const format = request.FormatVersion ?? 'aws_v1';
    if (format !== 'aws_v1') {
      throw new AwsJsonError(
        'InvalidParameterException',
        `Invalid FormatVersion: ${String(format)}`,
      );
    }
    const max = request.MaxResults ?? MAX_PRODUCTS_PER_PAGE;
    if (
      typeof max !== 'number' ||
      !Number.isInteger(max) ||
      max < 1 ||
      max > MAX_PRODUCTS_PER_PAGE
    ) {
      throw new AwsJsonError(
        'InvalidParameterException',
        `MaxResults must be an integer from 1 to ${MAX_PRODUCTS_PER_PAGE}.`,
      );
    }
    const matching =
      request.ServiceCode === 'AmazonEC2' ? this.products.filter((p) => matches(p, filters)) : [];
    const offset = readToken(request.NextToken);
    const page = matching.slice(offset, offset + max);
    const next = offset + page.length < matching.length ? offset + page.length : undefined;
    return {
      FormatVersion: 'aws_v1',
      PriceList: page.map((p) => p.document),
      ...(next !== undefined
        ? { NextToken: Buffer.from(`offset:${next}`).toString('base64') }
        : {}),
    };
  }
}

function readToken(token: unknown): number {
  if (token === undefined) return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(String(token), 'base64').toString('utf8'));
  if (!m) throw new AwsJsonError('InvalidNextTokenException', 'The NextToken is not valid.');
  return Number(m[1]);
}

/** Whether a product satisfies every filter (field names in any case, values exactly). */
function matches(p: PriceListProduct, filters: readonly Filter[]): boolean {
  const fields: Record<string, string> = { productfamily: p.productFamily, sku: p.sku };
  for (const [k, v] of Object.entries(p.attributes)) fields[k.toLowerCase()] = v;
  return filters.every((f) => {
    if (f.Type !== 'TERM_MATCH') {
      throw new AwsJsonError(
        'InvalidParameterException',
        `Filter type ${String(f.Type)} is not served by this fake.`,
      );
    }
    const value = fields[String(f.Field ?? '').toLowerCase()];
    return value !== undefined && value === String(f.Value ?? '');
  });
}

/** Starts a loopback Price List API on 127.0.0.1 (random port). Call `close()` when done. */
export async function startPricingEndpoint(
  options: PricingEndpointOptions = {},
): Promise<PricingEndpoint> {
  return startLoopbackFake((server) => new PricingEndpoint(server, options));
}
