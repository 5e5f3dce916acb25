CREATE TABLE "router_migrations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"subscriber_id" bigint NOT NULL,
	"nas_name" text NOT NULL,
	"service" text NOT NULL,
	"entry_name" text NOT NULL,
	"state" text DEFAULT 'imported' NOT NULL,
	"detail" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"switched_at" timestamp with time zone,
	"confirmed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "auth" text DEFAULT 'radius' NOT NULL;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "local_nas" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "local_name" text;--> statement-breakpoint
ALTER TABLE "subscribers" ADD COLUMN "local_service" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "learned_from" text DEFAULT 'accounting' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "router_migrations_entry" ON "router_migrations" USING btree ("nas_name","service","entry_name");--> statement-breakpoint
CREATE INDEX "router_migrations_subscriber" ON "router_migrations" USING btree ("subscriber_id");--> statement-breakpoint
CREATE INDEX "subscribers_local_nas" ON "subscribers" USING btree ("local_nas") WHERE "subscribers"."auth" = 'local';--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_local_entry" ON "subscribers" USING btree ("local_nas","local_service",coalesce("local_name", "username")) WHERE "subscribers"."auth" = 'local' and "subscribers"."deleted_at" is null;