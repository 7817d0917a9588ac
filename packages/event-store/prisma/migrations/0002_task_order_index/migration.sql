-- listTasks' default order (taskId) within one stage attempt: without it SQLite walked every
-- task of the application through the primary key and filtered by stage.
CREATE INDEX "Task_stage_task_idx" ON "Task"("appId", "stageId", "stageAttempt", "taskId");
