-- Bumped by every stored batch that ends a task of the attempt: readers key what they derive
-- from an attempt's tasks (sorted orders kept in memory) by it.
ALTER TABLE "StageAttempt" ADD COLUMN "taskVersion" INTEGER NOT NULL DEFAULT 0;
