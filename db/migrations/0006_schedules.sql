CREATE TABLE "schedule_fires" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"schedule_id" uuid NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"reason" text,
	"task_id" uuid,
	"workflow_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"cron" text,
	"every_s" integer,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"kind" text NOT NULL,
	"spec" jsonb NOT NULL,
	"overlap" text DEFAULT 'skip' NOT NULL,
	"catchup" text DEFAULT 'latest' NOT NULL,
	"catchup_window_s" integer DEFAULT 3600 NOT NULL,
	"start_at" timestamp with time zone,
	"end_at" timestamp with time zone,
	"paused" boolean DEFAULT false NOT NULL,
	"next_fire_at" timestamp with time zone,
	"buffered_fire_at" timestamp with time zone,
	"last_fire_at" timestamp with time zone,
	"source" text DEFAULT 'api' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedules_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "schedule_fire_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "schedule_fire_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "schedule_fires" ADD CONSTRAINT "schedule_fires_schedule_id_schedules_id_fk" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "schedule_fires_once_idx" ON "schedule_fires" USING btree ("schedule_id","fire_at");--> statement-breakpoint
CREATE INDEX "schedules_next_fire_idx" ON "schedules" USING btree ("next_fire_at") WHERE not "schedules"."paused" and "schedules"."next_fire_at" is not null;--> statement-breakpoint
CREATE INDEX "schedules_buffered_idx" ON "schedules" USING btree ("buffered_fire_at") WHERE "schedules"."buffered_fire_at" is not null;--> statement-breakpoint
CREATE INDEX "tasks_schedule_idx" ON "tasks" USING btree ("schedule_id") WHERE "tasks"."schedule_id" is not null and "tasks"."state" in ('blocked', 'queued', 'running');--> statement-breakpoint
CREATE INDEX "workflows_schedule_idx" ON "workflows" USING btree ("schedule_id") WHERE "workflows"."schedule_id" is not null;