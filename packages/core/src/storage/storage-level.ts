/** Storage levels for persisted RDDs, as in Spark (deserialized in memory, on local disk, or both). */
export const StorageLevel = {
  NONE: 'NONE',
  MEMORY_ONLY: 'MEMORY_ONLY',
  MEMORY_AND_DISK: 'MEMORY_AND_DISK',
  DISK_ONLY: 'DISK_ONLY',
} as const;
export type StorageLevelName = (typeof StorageLevel)[keyof typeof StorageLevel];
