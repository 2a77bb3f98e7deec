-- The input as the text the client sent (json), not parsed into jsonb: no query reads inside it,
-- and jsonb stores each number as a numeric with its own header. A sum of 100 numbers took
-- 1,228 bytes as jsonb against 409 as text, most of a 1,392-byte row; with the tasks table past
-- shared_buffers, every accept's pages then had to be written out by the backends themselves.
-- The worker parses it either way. (This rewrites the table once.)
ALTER TABLE tasks ALTER COLUMN input TYPE json USING input::json;
