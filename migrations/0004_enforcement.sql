CREATE TABLE "enforcement_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" bigint NOT NULL,
	"subscriber_id" bigint NOT NULL,
	"session_id" bigint,
	"acct_session_id" text,
	"username" text NOT NULL,
	"nas" text NOT NULL,
	"method" text NOT NULL,
	"result" text NOT NULL,
	"error_cause" integer,
	"detail" text NOT NULL,
	"duration_ms" integer NOT NULL,
	"instance" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "enforcement_attempts_job" ON "enforcement_attempts" USING btree ("job_id","id");--> statement-breakpoint
CREATE INDEX "enforcement_attempts_at" ON "enforcement_attempts" USING btree ("at");