/** The Azure Cosmos DB adapter of the `Store` port (docs/storage.md, "Cosmos DB"). */
export type { CosmosFaults } from "./cosmos-cases.ts";
export {
  type CosmosContainerNames,
  CosmosStore,
  type CosmosStoreOptions,
  cosmosClientFor,
  DEFAULT_COSMOS_CONTAINERS,
  DEFAULT_COSMOS_DATABASE,
  DEFAULT_RETRY_OPTIONS,
  ensureCosmosContainers,
  openCosmosStore,
} from "./cosmos-store.ts";
