-- CreateTable
CREATE TABLE "Worker" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "host" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "cores" INTEGER NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "webPort" INTEGER,
    "state" TEXT NOT NULL,
    "registeredAt" DATETIME NOT NULL,
    "lastHeartbeat" DATETIME NOT NULL,
    "endedAt" DATETIME
);

-- CreateTable
CREATE TABLE "Application" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "user" TEXT NOT NULL,
    "driverAddress" TEXT NOT NULL,
    "coresPerExecutor" INTEGER,
    "memoryPerExecutorMb" INTEGER NOT NULL,
    "maxCores" INTEGER,
    "transport" TEXT NOT NULL,
    "conf" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "submittedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "endReason" TEXT,
    "executorFailures" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "Executor" (
    "appId" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "cores" INTEGER NOT NULL,
    "memoryMb" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "launchedAt" DATETIME NOT NULL,
    "endedAt" DATETIME,
    "exitCode" INTEGER,
    "message" TEXT,

    PRIMARY KEY ("appId", "id"),
    CONSTRAINT "Executor_appId_fkey" FOREIGN KEY ("appId") REFERENCES "Application" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Executor_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Executor_workerId_idx" ON "Executor"("workerId");
