CREATE TYPE "public"."agent_status" AS ENUM('online', 'draining', 'offline');--> statement-breakpoint
CREATE TYPE "public"."resource_scope" AS ENUM('pool', 'agent');--> statement-breakpoint
CREATE TYPE "public"."task_state" AS ENUM('blocked', 'queued', 'running', 'succeeded', 'failed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."trigger_rule" AS ENUM('all_success', 'all_done');--> statement-breakpoint
CREATE TABLE "agents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_id" uuid NOT NULL,
	"capabilities" text[] DEFAULT '{}'::text[] NOT NULL,
	"capacity" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "agent_status" DEFAULT 'online' NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "allocations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"lease_epoch" integer NOT NULL,
	"agent_id" uuid NOT NULL,
	"resource" text NOT NULL,
	"amount" double precision NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL,
	"released_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "resources" (
	"name" text PRIMARY KEY NOT NULL,
	"scope" "resource_scope" NOT NULL,
	"capacity" double precision,
	"in_use" double precision DEFAULT 0 NOT NULL,
	"description" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_dependencies" (
	"task_id" uuid NOT NULL,
	"depends_on_id" uuid NOT NULL,
	CONSTRAINT "task_dependencies_task_id_depends_on_id_pk" PRIMARY KEY("task_id","depends_on_id")
);
--> statement-breakpoint
CREATE TABLE "task_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"task_id" uuid,
	"workflow_id" uuid,
	"agent_id" uuid,
	"from_state" "task_state",
	"to_state" "task_state",
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_id" uuid,
	"key" text,
	"parent_task_id" uuid,
	"name" text NOT NULL,
	"type" text DEFAULT 'default' NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" "task_state" NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"capabilities" text[] DEFAULT '{}'::text[] NOT NULL,
	"requires" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"timeout_s" integer,
	"lease_s" integer DEFAULT 60 NOT NULL,
	"max_attempts" integer DEFAULT 3 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"backoff_base_s" double precision DEFAULT 5 NOT NULL,
	"backoff_max_s" double precision DEFAULT 300 NOT NULL,
	"trigger_rule" "trigger_rule" DEFAULT 'all_success' NOT NULL,
	"idempotency_key" text,
	"pending_deps" integer DEFAULT 0 NOT NULL,
	"agent_id" uuid,
	"lease_epoch" integer DEFAULT 0 NOT NULL,
	"lease_expires_at" timestamp with time zone,
	"progress" double precision,
	"progress_step" text,
	"progress_message" text,
	"result" jsonb,
	"error" jsonb,
	"cancel_reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"queued_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"idempotency_key" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_idempotency_key_unique" UNIQUE("idempotency_key")
);
--> statement-breakpoint
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_dependencies" ADD CONSTRAINT "task_dependencies_depends_on_id_tasks_id_fk" FOREIGN KEY ("depends_on_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "agents_token_name_idx" ON "agents" USING btree ("token_id","name");--> statement-breakpoint
CREATE INDEX "agents_heartbeat_idx" ON "agents" USING btree ("last_heartbeat_at") WHERE "agents"."status" <> 'offline';--> statement-breakpoint
CREATE INDEX "allocations_open_resource_idx" ON "allocations" USING btree ("resource") WHERE "allocations"."released_at" is null;--> statement-breakpoint
CREATE INDEX "allocations_open_agent_idx" ON "allocations" USING btree ("agent_id") WHERE "allocations"."released_at" is null;--> statement-breakpoint
CREATE INDEX "allocations_task_idx" ON "allocations" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "allocations_time_idx" ON "allocations" USING btree ("acquired_at");--> statement-breakpoint
CREATE INDEX "task_dependencies_upstream_idx" ON "task_dependencies" USING btree ("depends_on_id");--> statement-breakpoint
CREATE INDEX "task_events_task_idx" ON "task_events" USING btree ("task_id","id");--> statement-breakpoint
CREATE INDEX "task_events_created_idx" ON "task_events" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "tasks_claim_idx" ON "tasks" USING btree ("priority" DESC NULLS LAST,"queued_at","id") WHERE "tasks"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "tasks_run_at_idx" ON "tasks" USING btree ("run_at") WHERE "tasks"."state" = 'queued';--> statement-breakpoint
CREATE INDEX "tasks_lease_idx" ON "tasks" USING btree ("lease_expires_at") WHERE "tasks"."state" = 'running';--> statement-breakpoint
CREATE INDEX "tasks_agent_idx" ON "tasks" USING btree ("agent_id") WHERE "tasks"."state" = 'running';--> statement-breakpoint
CREATE INDEX "tasks_state_created_idx" ON "tasks" USING btree ("state","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "tasks_workflow_idx" ON "tasks" USING btree ("workflow_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_workflow_key_idx" ON "tasks" USING btree ("workflow_id","key");--> statement-breakpoint
CREATE INDEX "workflows_created_idx" ON "workflows" USING btree ("created_at" DESC NULLS LAST);