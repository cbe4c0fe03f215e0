/**
 * The fake Auto Scaling the tests share: groups over the EC2 fake's model (`model.ts`,
 * `reconcile.ts`), its read calls (`queries.ts`), behind a loopback Query API endpoint
 * (`endpoint.ts`, `wire.ts`).
 */
export * from './endpoint';
export * from './groups';
export * from './model';
export { AUTO_SCALING_API_VERSION, AUTO_SCALING_XMLNS } from './wire';
