/**
 * The accounts of a hub's organizational units, through AWS Organizations' read-only calls
 * (from the management account or a delegated administrator): the active accounts of each unit
 * and of every unit below it.
 */
import {
  OrganizationsClient,
  paginateListAccountsForParent,
  paginateListChildren,
} from '@aws-sdk/client-organizations';

/** Active account ids of the units and their descendants, each once, in the order found. */
export async function accountsOfUnits(
  client: OrganizationsClient,
  organizationalUnitIds: readonly string[],
): Promise<string[]> {
  const accounts = new Set<string>();
  const units = [...organizationalUnitIds];
  const seen = new Set(units);
  for (let unit = units.shift(); unit !== undefined; unit = units.shift()) {
    for await (const page of paginateListAccountsForParent({ client }, { ParentId: unit })) {
      for (const account of page.Accounts ?? []) {
        // `State` replaces the retired `Status`; an account that is leaving or suspended is skipped.
        if (account.Id && (account.State ?? account.Status) === 'ACTIVE') accounts.add(account.Id);
      }
    }
    const children = paginateListChildren(
      { client },
      { ParentId: unit, ChildType: 'ORGANIZATIONAL_UNIT' },
    );
    for await (const page of children) {
      for (const child of page.Children ?? []) {
        if (child.Id && !seen.has(child.Id)) {
          seen.add(child.Id);
          units.push(child.Id);
        }
      }
    }
  }
  return [...accounts];
}
