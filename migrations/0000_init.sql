CREATE TABLE "subscribers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"username" text NOT NULL,
	"account_number" text NOT NULL,
	"plan" text NOT NULL,
	"password_enc" text,
	"nt_hash" text,
	"static_ip" text,
	"status" text DEFAULT 'active' NOT NULL,
	"status_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_workspace_username" ON "subscribers" USING btree ("workspace_id","username") WHERE "subscribers"."deleted_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_workspace_account" ON "subscribers" USING btree ("workspace_id","account_number") WHERE "subscribers"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "subscribers_updated_at" ON "subscribers" USING btree ("updated_at");