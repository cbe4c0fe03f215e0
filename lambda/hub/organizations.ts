/**
 * The accounts of a hub's organizational units, through AWS Organizations' read-only calls
 * (from the management account or a delegated administrator): the active accounts of each unit
 * and of every unit below it. Each page is its own `send`, so each gets per-call options from
 * the time left (a paginator would give every page the options of the first).
 */
import {
  ListAccountsForParentCommand,
  ListChildrenCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { CallRunner } from '../run/clients';

/** Every page of a listing: `page` fetches one from its token and returns the next token. */
async function allPages(page: (token: string | undefined) => Promise<string | undefined>) {
  let token: string | undefined;
  do token = await page(token);
  while (token);
}

/** Active account ids of the units and their descendants, each once, in the order found. */
export async function accountsOfUnits(
  client: OrganizationsClient,
  organizationalUnitIds: readonly string[],
  call: CallRunner,
): Promise<string[]> {
  const accounts = new Set<string>();
  const units = [...organizationalUnitIds];
  const seen = new Set(units);
  for (let unit = units.shift(); unit !== undefined; unit = units.shift()) {
    const ParentId = unit;
    await allPages(async (NextToken) => {
      const page = await call((options) =>
        client.send(new ListAccountsForParentCommand({ ParentId, NextToken }), options),
      );
      for (const account of page.Accounts ?? []) {
        // `State` replaces the retired `Status`; an account that is leaving or suspended is skipped.
        if (account.Id && (account.State ?? account.Status) === 'ACTIVE') accounts.add(account.Id);
      }
      return page.NextToken || undefined;
    });
    await allPages(async (NextToken) => {
      const page = await call((options) =>
        client.send(
          new ListChildrenCommand({ ParentId, ChildType: 'ORGANIZATIONAL_UNIT', NextToken }),
          options,
        ),
      );
      for (const child of page.Children ?? []) {
        if (child.Id && !seen.has(child.Id)) {
          seen.add(child.Id);
          units.push(child.Id);
        }
      }
      return page.NextToken || undefined;
    });
  }
  return [...accounts];
}
