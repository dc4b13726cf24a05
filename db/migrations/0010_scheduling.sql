CREATE TABLE "concurrency_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"limit" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "concurrency_key" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "concurrency_limit" integer;--> statement-breakpoint
CREATE INDEX "tasks_claim_workflow_idx" ON "tasks" USING btree ("priority" DESC NULLS LAST,(coalesce("workflow_id", "created_by", '00000000-0000-0000-0000-000000000000'::uuid)),"queued_at","id") WHERE "tasks"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "tasks_claim_submitter_idx" ON "tasks" USING btree ("priority" DESC NULLS LAST,(coalesce("created_by", '00000000-0000-0000-0000-000000000000'::uuid)),"queued_at","id") WHERE "tasks"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "tasks_claim_requires_idx" ON "tasks" USING btree ("priority" DESC NULLS LAST,"queued_at","id") WHERE "tasks"."state" = 'queued' and "tasks"."requires" <> '{}'::jsonb;--> statement-breakpoint
CREATE INDEX "tasks_concurrency_running_idx" ON "tasks" USING btree ("concurrency_key") WHERE "tasks"."state" = 'running' and "tasks"."concurrency_key" is not null;--> statement-breakpoint
CREATE INDEX "tasks_concurrency_key_idx" ON "tasks" USING btree ("concurrency_key") WHERE "tasks"."concurrency_key" is not null;