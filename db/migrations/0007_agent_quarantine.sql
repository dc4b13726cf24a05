ALTER TABLE "agents" ADD COLUMN "failure_streak" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "failure_streak_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "failure_streak_types" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "quarantine_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "quarantined_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "quarantined_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "quarantine_reason" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "progress_changed_at" timestamp with time zone;