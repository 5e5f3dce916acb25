CREATE TABLE "payments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"subscriber_id" bigint NOT NULL,
	"workspace_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"method" text NOT NULL,
	"reference" text,
	"note" text,
	"state" text DEFAULT 'recorded' NOT NULL,
	"cycles" integer NOT NULL,
	"paid_until_before" timestamp with time zone,
	"paid_until_after" timestamp with time zone,
	"balance_after" bigint NOT NULL,
	"actor" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"voided_at" timestamp with time zone,
	"voided_by" text,
	"void_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriber_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"subscriber_id" bigint NOT NULL,
	"workspace_id" text NOT NULL,
	"kind" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"reason" text,
	"actor" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"effective_at" timestamp with time zone,
	"payment_id" bigint,
	"details" jsonb
);
--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "paid_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "balance" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "cycle_anchor_day" integer;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "promise_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "override_status" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "override_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "override_reason" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "status_since" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_workspace_reference" ON "payments" USING btree ("workspace_id","reference") WHERE "payments"."reference" is not null;--> statement-breakpoint
CREATE INDEX "payments_subscriber" ON "payments" USING btree ("subscriber_id","received_at");--> statement-breakpoint
CREATE INDEX "payments_received" ON "payments" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "subscriber_events_subscriber" ON "subscriber_events" USING btree ("subscriber_id","id");--> statement-breakpoint
CREATE INDEX "subscribers_paid_until" ON "subscribers" USING btree ("paid_until");