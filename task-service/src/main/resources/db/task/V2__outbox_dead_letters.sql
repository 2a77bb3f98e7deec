-- Dead letters go through the outbox too, written in the statement that fails the task: a task is
-- never FAILED without its DLQ record, nor dead-lettered twice. The reason becomes a record header.
ALTER TABLE outbox ADD COLUMN dead_letter_reason text;
