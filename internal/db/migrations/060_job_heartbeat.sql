-- A running job proves it is alive: the process running it stamps
-- heartbeat_at while it works, and any API node marks a running job whose
-- heartbeat is too old as failed. spool_file is the path of the upload the
-- job reads (an import), deleted when the job ends or is found dead.
ALTER TABLE jobs
    ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN spool_file   text NOT NULL DEFAULT '';

CREATE INDEX jobs_running_heartbeat ON jobs (heartbeat_at) WHERE status = 'running';
