-- The queue depth (tasks QUEUED or RUNNING), kept by triggers instead of counted: count(*) over a
-- deep queue costs as much as the queue is deep, and the depth is read several times a second by
-- every API instance. Statement triggers with transition tables adjust one of 16 counter rows
-- (picked by backend, so concurrent writers rarely wait on the same row); the depth is their sum.
-- Every statement that changes tasks keeps it exact, whoever runs it.
LOCK TABLE tasks IN SHARE MODE; -- no write slips between the initial count and the triggers

CREATE TABLE task_depth (
    slot int PRIMARY KEY,
    open bigint NOT NULL
);
INSERT INTO task_depth SELECT s, 0 FROM generate_series(0, 15) s;
UPDATE task_depth SET open = (SELECT count(*) FROM tasks WHERE status IN ('QUEUED', 'RUNNING')) WHERE slot = 0;

CREATE FUNCTION task_depth_adjust(delta bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE task_depth SET open = open + delta WHERE slot = pg_backend_pid() % 16 AND delta <> 0;
$$;

CREATE FUNCTION task_depth_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_depth_adjust((SELECT count(*) FROM new_rows WHERE status IN ('QUEUED', 'RUNNING')));
    RETURN NULL;
END $$;

CREATE FUNCTION task_depth_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_depth_adjust((SELECT count(*) FROM new_rows WHERE status IN ('QUEUED', 'RUNNING'))
            - (SELECT count(*) FROM old_rows WHERE status IN ('QUEUED', 'RUNNING')));
    RETURN NULL;
END $$;

CREATE FUNCTION task_depth_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM task_depth_adjust(-(SELECT count(*) FROM old_rows WHERE status IN ('QUEUED', 'RUNNING')));
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_depth_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_depth_on_insert();
CREATE TRIGGER tasks_depth_update AFTER UPDATE ON tasks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_depth_on_update();
CREATE TRIGGER tasks_depth_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION task_depth_on_delete();

-- The partial index served only the count.
DROP INDEX tasks_open;
