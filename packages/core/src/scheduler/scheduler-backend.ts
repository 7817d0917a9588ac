/**
 * The seam between the TaskScheduler and where tasks run. A backend owns its
 * executors (threads in local mode, processes in a cluster), offers their free
 * slots to the scheduler, launches the tasks it is given and reports how they
 * end and when executors come and go. It never decides what runs where.
 * Implementations live outside core (@flint/scheduler); all calls happen on the
 * driver's event loop.
 */
import type { FlintSettings } from '../conf.ts';
import type { Logger } from '../logging/logger.ts';
import type { TaskDescription, TaskOutcome } from '../executor/task-description.ts';
import type { FlintListener } from '../listener/listener-bus.ts';
import type { MapStatus } from './map-output-tracker.ts';

/** One free task slot (a thread) of an executor. */
export interface WorkerOffer {
  executorId: string;
  host: string;
  slot: number;
}

export interface ExecutorDescription {
  executorId: string;
  host: string;
  cores: number;
  /** Transport address where it serves shuffle blocks ('' in local mode). */
  address: string;
  logUrls?: Record<string, string>;
  /** OS process id of the executor, when it is a process of its own. */
  pid?: number | null;
  /** The worker that launched it (standalone mode). */
  workerId?: string | null;
}

export interface TaskLaunch {
  offer: WorkerOffer;
  task: TaskDescription;
  /** The serialized stage plan, produced on demand (sent once per slot). */
  plan: () => Uint8Array;
}

/** What a backend may call on the scheduler. */
export interface TaskSchedulerPort {
  resourceOffers(offers: WorkerOffer[]): TaskLaunch[];
  statusUpdate(taskId: number, outcome: TaskOutcome): void;
  executorAdded(e: ExecutorDescription): void;
  executorLost(executorId: string, reason: string): void;
  /** A thread slot was replaced (its memory blocks are gone). */
  slotReset(executorId: string, slot: number): void;
  /** The cluster ended the application: every job fails with `reason`, and so does every later one. */
  applicationKilled(reason: string): void;
}

/**
 * Where a backend gets the serialized value of a broadcast for an executor that asks. The
 * context owns the broadcasts and hands this to the backend at start; the schedulers take no
 * part. Throws a FlintError naming the broadcast when it does not exist or was destroyed.
 */
export interface BroadcastSource {
  broadcastBytes(id: number): Uint8Array;
}

export interface SchedulerBackendContext {
  appId: string;
  appName: string;
  /** The application's conf as given (with `flint.transport`), for a cluster manager to store and show. */
  conf: Record<string, unknown>;
  /** The application's settings, compiled once by the context. */
  settings: FlintSettings;
  localDir: string;
  /** The serialized values of the application's broadcasts. */
  broadcasts: BroadcastSource;
  /** Where the backend reports what goes wrong beside a job (the context's logger). @default process warnings */
  logger?: Logger;
  /**
   * Called by a backend that registers the application with a cluster manager, as soon as it has
   * the id the manager assigned and before any executor can register: the context adopts that id
   * and posts applicationStart. Backends that register nothing never call it.
   */
  registered?(appId: string): void;
  /** Subscribes a listener to the application's events (subscribe before `registered` to see applicationStart). */
  addListener?(listener: FlintListener): () => void;
  /**
   * Cancels a running job (its promise rejects with a cancellation error), for a cluster
   * manager that relays a cancel request; answers whether there was such a job.
   */
  cancelJob?(jobId: number, reason: string): { cancelled: boolean; message: string };
  /** Counters of the driver's telemetry that a backend feeds. */
  telemetry?: { eventsShipped(n: number): void; eventsDropped(n: number): void };
}

export interface SchedulerBackend {
  /** True when `start` registers the application with a cluster manager (and calls `ctx.registered`). */
  readonly registersApplication?: boolean;
  start(scheduler: TaskSchedulerPort, ctx: SchedulerBackendContext): Promise<void>;
  stop(): Promise<void>;
  /** The scheduler has tasks waiting: offer free slots. */
  reviveOffers(): void;
  killTask(taskId: number, executorId: string, reason: string): void;
  defaultParallelism(): number;
  removeRdd(rddId: number): void;
  removeBroadcast(id: number): void;
  /** Deletes the map output files of a shuffle no job can use any more (each on the executor holding it). */
  removeShuffle(shuffleId: number, outputs: MapStatus[]): void;
}

/** Creates a backend for a master URL, or returns null when the URL is not its kind. */
export type SchedulerBackendFactory = (master: string, settings: FlintSettings) => SchedulerBackend | null | Promise<SchedulerBackend | null>;
