CREATE TABLE "agent_health" (
	"agent_id" uuid PRIMARY KEY NOT NULL,
	"failure_streak" integer DEFAULT 0 NOT NULL,
	"failure_streak_since" timestamp with time zone,
	"failure_streak_types" text[] DEFAULT '{}'::text[] NOT NULL,
	"quarantine_count" integer DEFAULT 0 NOT NULL,
	"quarantined_until" timestamp with time zone,
	"quarantined_at" timestamp with time zone,
	"quarantine_reason" text
);
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "progress_changed_at" timestamp with time zone;