DROP INDEX "workflows_created_idx";--> statement-breakpoint
CREATE INDEX "workflows_created_idx" ON "workflows" USING btree ("created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);