-- A running job proves it is alive: the process running it stamps
-- heartbeat_at while it works, and any API node marks a running job whose
-- heartbeat is too old as failed. spool_file is the path of the upload the
-- job reads (an import), deleted when the job ends or is found dead.
ALTER TABLE jobs
    ADD COLUMN heartbeat_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN spool_file   text NOT NULL DEFAULT '';

CREATE INDEX jobs_running_heartbeat ON jobs (heartbeat_at) WHERE status = 'running';

-- What a running job has seen (an import: a salted hash of each address with
-- the row it first appeared on), so a repeated address is reported wherever
-- it is in a file without the process holding every address in memory. The
-- salt lives only in the job's process; rows go when the job ends.
CREATE UNLOGGED TABLE job_keys (
    job_id    bigint NOT NULL,
    key       bytea NOT NULL,
    first_row bigint NOT NULL,
    PRIMARY KEY (job_id, key)
);
