/**
 * The protocol catalogue: every message between Flint processes in standalone
 * mode, defined once. Each kind has a zod schema for what arrives (validated at
 * the receiving daemon's boundary) and a request/response pair; one-way
 * messages have `response: void`.
 *
 * Processes and who listens:
 *   master   — workers, drivers and API clients connect to it (MasterProtocol)
 *   worker   — the master connects to it (WorkerProtocol)
 *   driver   — its executors and the master connect to it (DriverProtocol)
 *   executor — its driver and other executors connect to it (ExecutorProtocol)
 */
import { z } from 'zod';

// ---- shared shapes -------------------------------------------------------------------------

/** UNKNOWN: recovered from a restarted master's database, not re-registered yet. */
export const WorkerStateSchema = z.enum(['ALIVE', 'DEAD', 'DECOMMISSIONED', 'UNKNOWN']);
export type WorkerState = z.infer<typeof WorkerStateSchema>;
export const AppStateSchema = z.enum(['WAITING', 'RUNNING', 'FINISHED', 'FAILED', 'KILLED']);
export type AppState = z.infer<typeof AppStateSchema>;
export const ExecutorStateSchema = z.enum(['LAUNCHING', 'RUNNING', 'EXITED', 'FAILED', 'KILLED', 'LOST']);
export type ExecutorState = z.infer<typeof ExecutorStateSchema>;

/** host:port of a process's transport server. */
export const AddressSchema = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');

// ---- master --------------------------------------------------------------------------------

export const RegisterWorkerRequest = z.object({
  workerId: z.string().min(1),
  host: z.string().min(1),
  /** The worker's transport server (the master connects there to launch/kill executors). */
  address: AddressSchema,
  cores: z.number().int().positive(),
  memoryMb: z.number().int().positive(),
  /** Port of the worker's HTTP/tRPC API (its page in the UI), if any. */
  webPort: z.number().int().nonnegative().nullable(),
  /** Executors the worker still runs (after a master restart). */
  executors: z.array(z.object({ appId: z.string(), executorId: z.string(), cores: z.number().int(), memoryMb: z.number().int(), state: ExecutorStateSchema })),
});
export const RegisterWorkerResponse = z.object({ ok: z.boolean(), masterId: z.string(), message: z.string().nullable(), heartbeatIntervalMs: z.number() });

export const WorkerHeartbeatRequest = z.object({ workerId: z.string(), time: z.number() });
/** `reregister`: the master does not know this worker (restarted, or declared it dead). */
export const WorkerHeartbeatResponse = z.object({ reregister: z.boolean() });

export const ExecutorStateChangedMessage = z.object({
  workerId: z.string(),
  appId: z.string(),
  executorId: z.string(),
  state: ExecutorStateSchema,
  exitCode: z.number().int().nullable(),
  message: z.string().nullable(),
});

export const RegisterApplicationRequest = z.object({
  appName: z.string(),
  user: z.string(),
  /** The driver's transport server; executors and the master connect there. */
  driverAddress: AddressSchema,
  coresPerExecutor: z.number().int().positive().nullable(),
  memoryPerExecutorMb: z.number().int().positive(),
  maxCores: z.number().int().positive().nullable(),
  transport: z.string(),
  conf: z.record(z.string(), z.unknown()),
});
export const RegisterApplicationResponse = z.object({ appId: z.string(), masterId: z.string() });

export const UnregisterApplicationRequest = z.object({ appId: z.string(), state: z.enum(['FINISHED', 'FAILED', 'KILLED']) });
/** `eventsPosted`: how many listener events the driver has numbered so far (lets the master prove a loss). */
/**
 * `executorsWorking`: executors that finished a task since the last heartbeat the master
 * answered (each named once). The master takes such an executor as healthy and starts its
 * count of executor failures in a row again.
 */
export const DriverHeartbeatRequest = z.object({
  appId: z.string(),
  eventsPosted: z.number().int().nonnegative().optional(),
  executorsWorking: z.array(z.string()).max(10_000).optional(),
});
export const DriverHeartbeatResponse = z.object({ known: z.boolean() });

/**
 * Listener events of an application, batched (stored for the UI and history). Events are
 * numbered 1, 2, 3, … per application; `firstSeq` is the number of `events[0]`. The master
 * stores a batch idempotently (events it already has are skipped) and answers with the
 * highest number it has stored contiguously from 1: the driver resends everything above it.
 * Each item is an event object or a task event in the packed form of event-packing.ts; the
 * schema checks the envelope, `unpackEvents` each item's form, the store each event's fields.
 */
export const AppEventsMessage = z.object({ appId: z.string(), firstSeq: z.number().int().positive(), events: z.array(z.unknown()).max(10_000) });
export const AppEventsResponse = z.object({ storedThrough: z.number().int().nonnegative() });

export const ClusterStateRequest = z.object({});
export const ClusterStateResponse = z.object({
  masterId: z.string(),
  workers: z.array(
    z.object({ workerId: z.string(), host: z.string(), address: z.string(), cores: z.number(), coresUsed: z.number(), memoryMb: z.number(), memoryUsedMb: z.number(), state: WorkerStateSchema, lastHeartbeat: z.number(), webPort: z.number().nullable() }),
  ),
  applications: z.array(
    z.object({ appId: z.string(), name: z.string(), state: AppStateSchema, cores: z.number(), startTime: z.number(), endTime: z.number().nullable(), user: z.string(), driverAddress: z.string(), endReason: z.string().nullable() }),
  ),
  executors: z.array(
    z.object({ appId: z.string(), executorId: z.string(), workerId: z.string(), cores: z.number(), state: ExecutorStateSchema, memoryMb: z.number(), exitCode: z.number().nullable(), message: z.string().nullable() }),
  ),
});

export type MasterProtocol = {
  registerWorker: { request: z.infer<typeof RegisterWorkerRequest>; response: z.infer<typeof RegisterWorkerResponse> };
  workerHeartbeat: { request: z.infer<typeof WorkerHeartbeatRequest>; response: z.infer<typeof WorkerHeartbeatResponse> };
  executorStateChanged: { request: z.infer<typeof ExecutorStateChangedMessage>; response: void };
  registerApplication: { request: z.infer<typeof RegisterApplicationRequest>; response: z.infer<typeof RegisterApplicationResponse> };
  unregisterApplication: { request: z.infer<typeof UnregisterApplicationRequest>; response: { ok: boolean } };
  driverHeartbeat: { request: z.infer<typeof DriverHeartbeatRequest>; response: z.infer<typeof DriverHeartbeatResponse> };
  appEvents: { request: z.infer<typeof AppEventsMessage>; response: z.infer<typeof AppEventsResponse> };
  clusterState: { request: Record<string, never>; response: z.infer<typeof ClusterStateResponse> };
};

/**
 * What arrives at the master, by kind (the request schemas of MasterProtocol):
 * the master serves with `messageHandler(…, { schemas: MasterMessages })`.
 * `clusterState` takes no body (none, null or `{}`).
 */
export const MasterMessages = {
  registerWorker: RegisterWorkerRequest,
  workerHeartbeat: WorkerHeartbeatRequest,
  executorStateChanged: ExecutorStateChangedMessage,
  registerApplication: RegisterApplicationRequest,
  unregisterApplication: UnregisterApplicationRequest,
  driverHeartbeat: DriverHeartbeatRequest,
  appEvents: AppEventsMessage,
  clusterState: ClusterStateRequest.nullish(),
} satisfies { [K in keyof MasterProtocol]: z.ZodType };

// ---- worker --------------------------------------------------------------------------------

export const LaunchExecutorRequest = z.object({
  appId: z.string(),
  executorId: z.string(),
  cores: z.number().int().positive(),
  memoryMb: z.number().int().positive(),
  driverAddress: AddressSchema,
  transport: z.string(),
  conf: z.record(z.string(), z.unknown()),
});
export const KillExecutorRequest = z.object({ appId: z.string(), executorId: z.string(), reason: z.string() });
export const ApplicationFinishedMessage = z.object({ appId: z.string() });
/** A slice of an executor's stdout or stderr, named by ids only (never a path); a negative offset counts from the end. */
export const ReadExecutorLogRequest = z.object({
  appId: z.string().max(128),
  executorId: z.string().max(128),
  stream: z.enum(['stdout', 'stderr']),
  offset: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  length: z.number().int().min(1).max(1 << 20),
});

export type WorkerProtocol = {
  launchExecutor: { request: z.infer<typeof LaunchExecutorRequest>; response: { ok: boolean; message: string | null } };
  killExecutor: { request: z.infer<typeof KillExecutorRequest>; response: { ok: boolean } };
  applicationFinished: { request: z.infer<typeof ApplicationFinishedMessage>; response: void };
  /** Bytes [offset, offset + data.length) of the log; `size` is the file's size now. */
  readExecutorLog: { request: z.infer<typeof ReadExecutorLogRequest>; response: { data: Uint8Array; offset: number; size: number } };
};

/** What arrives at a worker, by kind (the request schemas of WorkerProtocol), for its `messageHandler`. */
export const WorkerMessages = {
  launchExecutor: LaunchExecutorRequest,
  killExecutor: KillExecutorRequest,
  applicationFinished: ApplicationFinishedMessage,
  readExecutorLog: ReadExecutorLogRequest,
} satisfies { [K in keyof WorkerProtocol]: z.ZodType };

// ---- driver --------------------------------------------------------------------------------

const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (a Uint8Array)');
const Int = z.number().int();

/** What arrives at a driver, by kind: from its executors and from the master. */
export const DriverMessages = {
  /** An executor process announces itself to its driver. */
  registerExecutor: z.object({ appId: z.string(), executorId: z.string(), workerId: z.string(), host: z.string(), address: z.string(), cores: z.number(), pid: z.number() }),
  /** A task ended; `outcome` is a serialized TaskOutcome. */
  statusUpdate: z.object({ executorId: z.string(), taskId: Int, outcome: Bytes }),
  fetchBroadcast: z.object({ id: Int }),
  executorHeartbeat: z.object({ executorId: z.string(), time: z.number() }),
  /** From the master: an executor of this application ended. */
  executorRemoved: z.object({ executorId: z.string(), reason: z.string(), exitCode: z.number().nullable() }),
  /** From the master: the application was killed or the master is going away. */
  applicationKilled: z.object({ appId: z.string(), reason: z.string() }),
  /** From the master (the API's jobs.cancel): cancel one running job of this application. */
  cancelJob: z.object({ appId: z.string(), jobId: Int, reason: z.string() }),
};
type In<M, K extends keyof M> = M[K] extends z.ZodType ? z.infer<M[K]> : never;

export type DriverProtocol = {
  registerExecutor: { request: In<typeof DriverMessages, 'registerExecutor'>; response: { ok: boolean; message: string | null } };
  statusUpdate: { request: In<typeof DriverMessages, 'statusUpdate'>; response: void };
  fetchBroadcast: { request: In<typeof DriverMessages, 'fetchBroadcast'>; response: Uint8Array };
  executorHeartbeat: { request: In<typeof DriverMessages, 'executorHeartbeat'>; response: { known: boolean } };
  executorRemoved: { request: In<typeof DriverMessages, 'executorRemoved'>; response: void };
  applicationKilled: { request: In<typeof DriverMessages, 'applicationKilled'>; response: void };
  cancelJob: { request: In<typeof DriverMessages, 'cancelJob'>; response: { cancelled: boolean; message: string } };
};

// ---- executor ------------------------------------------------------------------------------

/** What arrives at an executor, by kind: from its driver and from other executors. */
export const ExecutorMessages = {
  /** `task` is a serialized TaskDescription; `plan` the StagePlan bytes when first sent to this executor. */
  launchTask: z.object({ slot: Int, task: Bytes, plan: Bytes.nullable() }),
  killTask: z.object({ taskId: Int, reason: z.string() }),
  removeRdd: z.object({ rddId: Int }),
  removeBroadcast: z.object({ id: Int }),
  /** Deletes map output files of a shuffle no job can use any more (only files inside the executor's work dir). */
  removeShuffle: z.object({ shuffleId: Int, paths: z.array(z.string()) }),
  stopExecutor: z.object({ reason: z.string() }),
  /** Streams [offset, offset + length) of a shuffle file this executor wrote. */
  fetchBlock: z.object({ path: z.string(), offset: z.number().nonnegative(), length: z.number().nonnegative() }),
  /** Streams a task result too large to travel in a status update. */
  fetchResult: z.object({ taskId: Int }),
  /** Forgets a stored task result the driver will not fetch (e.g. over flint.driver.maxResultSize). */
  dropResult: z.object({ taskId: Int }),
};

export type ExecutorProtocol = { [K in keyof typeof ExecutorMessages]: { request: In<typeof ExecutorMessages, K>; response: void } };
