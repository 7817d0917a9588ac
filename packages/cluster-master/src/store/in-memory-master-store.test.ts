import { InMemoryMasterStore } from './in-memory-master-store.ts';
import { masterStoreContract } from './master-store-contract.ts';

masterStoreContract('InMemoryMasterStore', { create: async () => new InMemoryMasterStore() });
