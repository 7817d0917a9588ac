-- The event store: every listener event of every application, as rows.
-- Times are epoch ms, sizes bytes; REAL columns hold values past 2^31.
CREATE TABLE "Application" (
  "appId" TEXT NOT NULL PRIMARY KEY,
  "name" TEXT NOT NULL DEFAULT '',
  "user" TEXT NOT NULL DEFAULT '',
  "master" TEXT NOT NULL DEFAULT '',
  "conf" TEXT NOT NULL DEFAULT '{}',
  "startTime" REAL,
  "endTime" REAL,
  "state" TEXT NOT NULL DEFAULT 'RUNNING',
  "endReason" TEXT,
  "eventsPosted" INTEGER NOT NULL DEFAULT 0,
  "storedThrough" INTEGER NOT NULL DEFAULT 0,
  "droppedEvents" INTEGER NOT NULL DEFAULT 0,
  "createdAt" REAL NOT NULL
);
CREATE INDEX "Application_state_startTime_idx" ON "Application"("state", "startTime");
CREATE INDEX "Application_startTime_idx" ON "Application"("startTime");

CREATE TABLE "Job" (
  "appId" TEXT NOT NULL,
  "jobId" INTEGER NOT NULL,
  "description" TEXT NOT NULL DEFAULT '',
  "jobGroup" TEXT,
  "state" TEXT NOT NULL,
  "error" TEXT,
  "submissionTime" REAL NOT NULL,
  "completionTime" REAL,
  "traceId" TEXT,
  "stageIds" TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY ("appId", "jobId")
);
CREATE INDEX "Job_appId_state_idx" ON "Job"("appId", "state");

CREATE TABLE "JobStage" (
  "appId" TEXT NOT NULL,
  "jobId" INTEGER NOT NULL,
  "stageId" INTEGER NOT NULL,
  "submitted" INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY ("appId", "jobId", "stageId")
);
CREATE INDEX "JobStage_appId_stageId_idx" ON "JobStage"("appId", "stageId");

CREATE TABLE "Stage" (
  "appId" TEXT NOT NULL,
  "stageId" INTEGER NOT NULL,
  "name" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "numTasks" INTEGER NOT NULL,
  "parentIds" TEXT NOT NULL DEFAULT '[]',
  "rddInfos" TEXT NOT NULL DEFAULT '[]',
  "shuffleId" INTEGER,
  PRIMARY KEY ("appId", "stageId")
);

CREATE TABLE "StageAttempt" (
  "appId" TEXT NOT NULL,
  "stageId" INTEGER NOT NULL,
  "attempt" INTEGER NOT NULL,
  "numTasks" INTEGER NOT NULL,
  "state" TEXT NOT NULL,
  "submissionTime" REAL,
  "completionTime" REAL,
  "failureReason" TEXT,
  "quantiles" TEXT,
  "jobId" INTEGER,
  PRIMARY KEY ("appId", "stageId", "attempt")
);
CREATE INDEX "StageAttempt_appId_state_idx" ON "StageAttempt"("appId", "state");
CREATE INDEX "StageAttempt_appId_jobId_idx" ON "StageAttempt"("appId", "jobId");

CREATE TABLE "Task" (
  "appId" TEXT NOT NULL,
  "taskId" INTEGER NOT NULL,
  "stageId" INTEGER NOT NULL,
  "stageAttempt" INTEGER NOT NULL,
  "index" INTEGER NOT NULL,
  "attempt" INTEGER NOT NULL,
  "executorId" TEXT NOT NULL,
  "host" TEXT NOT NULL,
  "slot" INTEGER NOT NULL,
  "locality" TEXT NOT NULL,
  "speculative" INTEGER NOT NULL DEFAULT 0,
  "taskType" TEXT,
  "status" TEXT NOT NULL,
  "failureKind" TEXT,
  "failureMessage" TEXT,
  "launchTime" REAL NOT NULL,
  "finishTime" REAL,
  "duration" REAL,
  "hasMetrics" INTEGER NOT NULL DEFAULT 0,
  "executorDeserializeTime" REAL,
  "executorRunTime" REAL,
  "executorCpuTime" REAL,
  "resultSize" REAL,
  "resultSerializationTime" REAL,
  "gcTime" REAL,
  "peakExecutionMemory" REAL,
  "memoryBytesSpilled" REAL,
  "diskBytesSpilled" REAL,
  "inputBytes" REAL,
  "inputRecords" REAL,
  "outputBytes" REAL,
  "outputRecords" REAL,
  "shuffleReadRemoteBytes" REAL,
  "shuffleReadLocalBytes" REAL,
  "shuffleReadRecords" REAL,
  "shuffleReadRemoteBlocks" REAL,
  "shuffleReadLocalBlocks" REAL,
  "shuffleFetchWaitTime" REAL,
  "shuffleWriteBytes" REAL,
  "shuffleWriteRecords" REAL,
  "shuffleWriteTime" REAL,
  "executorReceivedTime" REAL,
  "deserializeEndTime" REAL,
  "computeEndTime" REAL,
  "shuffleWriteEndTime" REAL,
  "resultSerializedTime" REAL,
  "shuffleReadBytes" REAL,
  "schedulerDelay" REAL,
  "deserialize" REAL,
  "shuffleReadWait" REAL,
  "compute" REAL,
  "shuffleWrite" REAL,
  "resultSerialize" REAL,
  "resultFetch" REAL,
  PRIMARY KEY ("appId", "taskId")
);
CREATE INDEX "Task_stage_status_idx" ON "Task"("appId", "stageId", "stageAttempt", "status");
CREATE INDEX "Task_app_executor_idx" ON "Task"("appId", "executorId");
CREATE INDEX "Task_stage_duration_idx" ON "Task"("appId", "stageId", "stageAttempt", "duration");
CREATE INDEX "Task_stage_runtime_idx" ON "Task"("appId", "stageId", "stageAttempt", "executorRunTime");
CREATE INDEX "Task_stage_launch_idx" ON "Task"("appId", "stageId", "stageAttempt", "launchTime");

CREATE TABLE "Executor" (
  "appId" TEXT NOT NULL,
  "executorId" TEXT NOT NULL,
  "host" TEXT NOT NULL DEFAULT '',
  "cores" INTEGER NOT NULL DEFAULT 0,
  "address" TEXT NOT NULL DEFAULT '',
  "pid" INTEGER,
  "workerId" TEXT,
  "addedTime" REAL,
  "removedTime" REAL,
  "removalReason" TEXT,
  "logUrls" TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY ("appId", "executorId")
);

CREATE TABLE "BlockUpdate" (
  "appId" TEXT NOT NULL,
  "executorId" TEXT NOT NULL,
  "blockId" TEXT NOT NULL,
  "rddId" INTEGER NOT NULL,
  "storageLevel" TEXT NOT NULL,
  "memSize" REAL NOT NULL,
  "diskSize" REAL NOT NULL,
  "time" REAL NOT NULL,
  PRIMARY KEY ("appId", "executorId", "blockId")
);
CREATE INDEX "BlockUpdate_appId_rddId_idx" ON "BlockUpdate"("appId", "rddId");

CREATE TABLE "Change" (
  "cursor" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  "appId" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "time" REAL NOT NULL,
  "firstSeq" INTEGER NOT NULL,
  "lastSeq" INTEGER NOT NULL,
  "appChanged" INTEGER NOT NULL DEFAULT 0,
  "jobIds" TEXT NOT NULL DEFAULT '[]',
  "stageIds" TEXT NOT NULL DEFAULT '[]',
  "executorIds" TEXT NOT NULL DEFAULT '[]',
  "tasksStarted" INTEGER NOT NULL DEFAULT 0,
  "tasksEnded" INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "Change_appId_cursor_idx" ON "Change"("appId", "cursor");
