ALTER TABLE "tasks" DROP CONSTRAINT "tasks_idempotency_key_unique";--> statement-breakpoint
DROP INDEX "tasks_workflow_idx";--> statement-breakpoint
CREATE INDEX "allocations_released_idx" ON "allocations" USING btree ("released_at") WHERE "allocations"."released_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_idempotency_key_idx" ON "tasks" USING btree ("idempotency_key") WHERE "tasks"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX "tasks_finished_idx" ON "tasks" USING btree ("finished_at") WHERE "tasks"."finished_at" is not null;