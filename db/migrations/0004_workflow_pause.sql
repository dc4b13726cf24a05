ALTER TABLE "workflows" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "paused_by" uuid;--> statement-breakpoint
CREATE INDEX "workflows_paused_idx" ON "workflows" USING btree ("id") WHERE "workflows"."paused_at" is not null;