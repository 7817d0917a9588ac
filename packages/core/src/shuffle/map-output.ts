/**
 * What a shuffle map task leaves behind: one data file holding a contiguous segment per reduce
 * partition. The writer returns it, the task's outcome carries it to the driver, and the
 * MapOutputTracker keeps it with the executor that serves the file. Plain data.
 */
export interface MapOutput {
  /** The data file on the executor that wrote it. */
  path: string;
  /** Per reduce partition: where its segment starts in the file, its bytes and its records. */
  offsets: number[];
  lengths: number[];
  records: number[];
}
