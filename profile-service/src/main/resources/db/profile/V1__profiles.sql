-- One logical shard: {{shard}} is its schema (shard_0000 ... shard_0063), on the server that holds it.
CREATE SCHEMA IF NOT EXISTS {{shard}};
CREATE TABLE {{shard}}.profiles (
    user_id      text PRIMARY KEY,
    display_name text,
    email        text,
    bio          text,
    avatar_url   text,
    preferences  jsonb NOT NULL DEFAULT '{}',
    -- Never decreases for a user, across deletes too: an old ETag can never match a newer profile.
    version      bigint NOT NULL,
    updated_at   timestamptz NOT NULL,
    -- A deleted profile keeps only its id and version; its data is erased.
    deleted_at   timestamptz
);
