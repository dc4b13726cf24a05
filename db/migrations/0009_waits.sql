ALTER TYPE "public"."task_state" ADD VALUE 'waiting' BEFORE 'queued';--> statement-breakpoint
DROP INDEX "tasks_schedule_idx";--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "wait_signal" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "wait_timeout_s" integer;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "waiting_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "wait_deadline" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "tasks_wait_deadline_idx" ON "tasks" USING btree ("wait_deadline") WHERE "tasks"."wait_deadline" is not null;--> statement-breakpoint
CREATE INDEX "tasks_schedule_idx" ON "tasks" USING btree ("schedule_id") WHERE "tasks"."schedule_id" is not null and "tasks"."state" not in ('succeeded', 'failed', 'cancelled');