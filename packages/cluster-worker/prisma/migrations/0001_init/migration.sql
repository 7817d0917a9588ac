-- CreateTable
CREATE TABLE "ExecutorRun" (
    "appId" TEXT NOT NULL,
    "executorId" TEXT NOT NULL,
    "pid" INTEGER,
    "state" TEXT NOT NULL,
    "cores" INTEGER NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "workDir" TEXT NOT NULL,
    "stdoutPath" TEXT NOT NULL,
    "stderrPath" TEXT NOT NULL,
    "startedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "exitCode" INTEGER,
    "message" TEXT,

    PRIMARY KEY ("appId", "executorId")
);

-- CreateIndex
CREATE INDEX "ExecutorRun_state_idx" ON "ExecutorRun"("state");
