CREATE TABLE "sessions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"nas_name" text NOT NULL,
	"nas_address" text NOT NULL,
	"nas_ip_address" text,
	"nas_identifier" text,
	"acct_session_id" text NOT NULL,
	"class" text DEFAULT '' NOT NULL,
	"username" text NOT NULL,
	"subscriber_id" bigint,
	"framed_ip_address" text,
	"calling_station_id" text,
	"called_station_id" text,
	"nas_port_id" text,
	"started_at" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	"stopped_at" timestamp with time zone,
	"terminate_cause" text,
	"closed_by" text,
	"last_status" text NOT NULL,
	"interim_interval" integer NOT NULL,
	"acct_session_time" bigint DEFAULT 0 NOT NULL,
	"acct_input_octets" bigint DEFAULT 0 NOT NULL,
	"acct_output_octets" bigint DEFAULT 0 NOT NULL,
	"acct_input_packets" bigint DEFAULT 0 NOT NULL,
	"acct_output_packets" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_identity" ON "sessions" USING btree ("nas_address","acct_session_id","username","class");--> statement-breakpoint
CREATE INDEX "sessions_open_subscriber" ON "sessions" USING btree ("subscriber_id") WHERE "sessions"."stopped_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_open_ip" ON "sessions" USING btree ("framed_ip_address") WHERE "sessions"."stopped_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_open_nas" ON "sessions" USING btree ("nas_name","nas_address") WHERE "sessions"."stopped_at" is null;--> statement-breakpoint
CREATE INDEX "sessions_subscriber_started" ON "sessions" USING btree ("subscriber_id","started_at");--> statement-breakpoint
CREATE INDEX "sessions_started" ON "sessions" USING btree ("started_at");