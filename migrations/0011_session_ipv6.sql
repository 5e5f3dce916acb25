ALTER TABLE "sessions" ADD COLUMN "framed_ipv6_prefix" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "delegated_ipv6_prefix" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "framed_interface_id" text;--> statement-breakpoint
CREATE INDEX "sessions_open_ipv6" ON "sessions" USING btree ("subscriber_id") WHERE "sessions"."stopped_at" is null and ("sessions"."framed_ipv6_prefix" is not null or "sessions"."delegated_ipv6_prefix" is not null);