DROP INDEX "tasks_workflow_key_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_workflow_key_idx" ON "tasks" USING btree ("workflow_id","key") WHERE "tasks"."workflow_id" is not null;