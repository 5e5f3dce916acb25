CREATE TABLE "notifications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"subscriber_id" bigint NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"event_id" bigint,
	"dedupe_key" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payment_callbacks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text,
	"outcome" text NOT NULL,
	"http_status" integer NOT NULL,
	"response" jsonb NOT NULL,
	"account" text,
	"subscriber_id" bigint,
	"payment_id" bigint,
	"amount" bigint,
	"currency" text,
	"detail" text,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "contact_name" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "notify_opt_out" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_dedupe" ON "notifications" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "notifications_due" ON "notifications" USING btree ("state","next_attempt_at");--> statement-breakpoint
CREATE INDEX "notifications_subscriber" ON "notifications" USING btree ("subscriber_id","id");--> statement-breakpoint
CREATE INDEX "notifications_finished" ON "notifications" USING btree ("finished_at") WHERE "notifications"."state" in ('sent', 'failed', 'skipped');--> statement-breakpoint
CREATE UNIQUE INDEX "payment_callbacks_event" ON "payment_callbacks" USING btree ("workspace_id","provider","event_id");--> statement-breakpoint
CREATE INDEX "payment_callbacks_received" ON "payment_callbacks" USING btree ("received_at");