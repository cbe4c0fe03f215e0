/**
 * The fake EKS the tests share: managed node groups and their updates (`model.ts`,
 * `nodegroups.ts`), optionally over the Auto Scaling fake's model, behind a loopback REST JSON
 * endpoint (`endpoint.ts`).
 */
export * from './endpoint';
export * from './model';
export * from './nodegroups';
