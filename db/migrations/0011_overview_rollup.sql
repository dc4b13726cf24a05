CREATE TABLE "agent_rollup" (
	"step_s" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"agent_id" uuid NOT NULL,
	"started" integer DEFAULT 0 NOT NULL,
	"finished" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "agent_rollup_step_s_bucket_agent_id_pk" PRIMARY KEY("step_s","bucket","agent_id")
);
--> statement-breakpoint
CREATE TABLE "overview_rollup_state" (
	"id" smallint PRIMARY KEY NOT NULL,
	"last_event_id" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_depth_samples" (
	"minute" timestamp with time zone NOT NULL,
	"state" "task_state" NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "queue_depth_samples_minute_state_pk" PRIMARY KEY("minute","state")
);
--> statement-breakpoint
CREATE TABLE "task_rollup" (
	"step_s" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"started" integer DEFAULT 0 NOT NULL,
	"succeeded" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"wait_sum_ms" double precision DEFAULT 0 NOT NULL,
	"wait_hist" integer[] NOT NULL,
	"run_sum_ms" double precision DEFAULT 0 NOT NULL,
	"run_hist" integer[] NOT NULL,
	CONSTRAINT "task_rollup_step_s_bucket_type_pk" PRIMARY KEY("step_s","bucket","type")
);
--> statement-breakpoint
CREATE TABLE "task_type_totals" (
	"type" text PRIMARY KEY NOT NULL,
	"wait_sum_ms" double precision DEFAULT 0 NOT NULL,
	"wait_hist" bigint[] NOT NULL,
	"run_sum_ms" double precision DEFAULT 0 NOT NULL,
	"run_hist" bigint[] NOT NULL
);
