CREATE TYPE "public"."log_level" AS ENUM('debug', 'info', 'warn', 'error');--> statement-breakpoint
CREATE TABLE "task_log_state" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"attempt" integer NOT NULL,
	"next_seq" bigint DEFAULT 1 NOT NULL,
	"lines" integer DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"dropped" integer DEFAULT 0 NOT NULL,
	"marker_seq" bigint,
	"attempt_starts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_logs" (
	"task_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"attempt" integer NOT NULL,
	"level" "log_level" NOT NULL,
	"message" text NOT NULL,
	"fields" jsonb,
	"at" timestamp with time zone NOT NULL,
	"logged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "task_logs_task_id_seq_pk" PRIMARY KEY("task_id","seq")
);
--> statement-breakpoint
CREATE INDEX "task_logs_logged_at_idx" ON "task_logs" USING brin ("logged_at") WITH (autosummarize=on);