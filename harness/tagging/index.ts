/** The fake Resource Groups Tagging API (`GetResources` over the EKS fake's node groups). */
export * from './endpoint';
