-- The warehouse's stored tables. Times are TIMESTAMPTZ in UTC; `source_tz` records the
-- zone that offset-less time stamps of the source were read in. Every row remembers the
-- file, the record number in it and the run that loaded it.

-- One row per ticket per source: the newest version seen (by updated_at).
create table if not exists tickets (
    source            varchar not null,
    ticket_id         varchar not null,
    created_at        timestamptz not null,
    updated_at        timestamptz,
    channel           varchar,
    channel_raw       varchar,
    category          varchar,
    category_raw      varchar,
    subcategory       varchar,
    priority          varchar,
    priority_raw      varchar,
    status            varchar,
    status_raw        varchar,
    team              varchar,
    agent_id          varchar,
    first_response_at timestamptz,
    resolved_at       timestamptz,
    closed_at         timestamptz,
    escalation_level  tinyint,
    escalated_at      timestamptz,
    reopen_count      integer,
    csat              tinyint,
    customer_id       varchar,
    language          varchar,
    subject           varchar,
    frt_sla_reported  varchar,   -- the source's own verdict on the response SLA: met / breached
    frt_sla_reported_raw varchar,
    first_response_minutes_reported double,  -- the source's own figures, in minutes (reported_agreement)
    resolution_minutes_reported     double,
    account_id        varchar,   -- salted hash, like customer_id
    transaction_id    varchar,   -- the order / transaction reference, scrubbed like free text
    transaction_at    timestamptz,
    amount            double,
    currency          varchar,
    resolution_note   varchar,   -- free text, scrubbed
    source_tz         varchar,
    source_file       varchar,
    source_record     bigint,
    run_id            integer,
    row_hash          ubigint
);

-- One row per ticket event (deduplicated on its full content).
create table if not exists ticket_events (
    source          varchar not null,
    ticket_id       varchar not null,
    event_at        timestamptz not null,
    event_type      varchar not null,
    event_type_raw  varchar,
    actor_id        varchar,
    actor_role      varchar,
    actor_role_raw  varchar,
    detail          varchar,
    source_tz       varchar,
    source_file     varchar,
    source_record   bigint,
    run_id          integer,
    row_hash        ubigint
);

-- One row per quality review of a ticket; error_types is the list of errors found.
create table if not exists qa_reviews (
    source           varchar not null,
    review_id        varchar not null,
    ticket_id        varchar not null,
    agent_id         varchar,
    reviewed_at      timestamptz,
    reviewer_id      varchar,
    score            double,
    error_types      varchar[],
    error_types_raw  varchar,
    comment          varchar,
    source_tz        varchar,
    source_file      varchar,
    source_record    bigint,
    run_id           integer,
    row_hash         ubigint
);

-- One row per agent.
create table if not exists agents (
    source         varchar not null,
    agent_id       varchar not null,
    name           varchar,
    team           varchar,
    tier           varchar,
    hired_on       date,
    languages      varchar,
    source_file    varchar,
    source_record  bigint,
    run_id         integer,
    row_hash       ubigint
);

-- Every input row that was not loaded, with the reason a person can act on.
create table if not exists rejects (
    run_id       integer not null,
    kind         varchar not null,
    source       varchar,
    source_file  varchar not null,
    record_no    bigint,   -- data record number in the file (1 = first record after the header)
    line_no      bigint,   -- physical line, for lines the CSV reader could not split
    reason_code  varchar not null,
    reason       varchar not null,
    raw_record   varchar
);

-- One row per field of a loaded ticket that was emptied because it could not be read or
-- broke an ordering rule (the ticket itself loaded: docs/DECISIONS.md, "Field-level quarantine").
create table if not exists data_issues (
    run_id        integer not null,
    kind          varchar not null,
    source        varchar not null,
    source_file   varchar not null,
    source_record bigint not null,
    ticket_id     varchar not null,
    field         varchar not null,
    raw_value     varchar,
    rule          varchar not null,
    reason        varchar not null,
    review_id     varchar            -- the QA review whose field was emptied (kind qa_reviews)
);

-- One row per load run that was published.
create table if not exists load_runs (
    run_id       integer primary key,
    command      varchar,
    started_at   timestamptz not null,
    finished_at  timestamptz,
    as_of        timestamptz not null,
    status       varchar not null,
    files        integer,
    files_skipped integer,
    rows_read    bigint,
    rows_loaded  bigint,
    rows_rejected bigint,
    rows_skipped bigint,
    warnings     varchar[],
    error        varchar
);

-- One row per input file per run, with its reconciliation:
-- rows_read = rows_loaded + rows_rejected + rows_skipped.
create table if not exists load_files (
    run_id          integer not null,
    path            varchar not null,
    file_name       varchar not null,
    sha256          varchar not null,
    size_bytes      bigint,
    kind            varchar,
    source          varchar,
    status          varchar not null,   -- loaded | skipped_already_loaded
    rows_read       bigint,
    rows_loaded     bigint,
    rows_inserted   bigint,
    rows_updated    bigint,
    rows_rejected   bigint,
    rows_skipped    bigint,
    skipped_reasons varchar,
    warnings        varchar[],
    fields          varchar[]   -- the canonical fields its mapping fills (what the export records)
);

-- Key/value facts of the published state: as_of, version, schema version, config.
create table if not exists warehouse_meta (
    key   varchar primary key,
    value varchar
);

-- Alerts (etl/alerts, docs/ALERTS.md): one row per firing, i.e. a rule (for one subject: a
-- value of its `per` field) starting to hold or clearing, as evaluated on the state it is
-- published with. Appended to by the evaluation, never rewritten.
create table if not exists alert_firings (
    firing_id       integer not null,
    rule            varchar not null,
    subject         varchar,
    per             varchar,
    state           varchar not null,   -- started | cleared
    metric          varchar not null,
    condition       varchar not null,
    threshold       double,
    window_name     varchar not null,
    window_start    timestamptz,
    window_end      timestamptz not null,
    previous_start  timestamptz,
    previous_end    timestamptz,
    value           double,
    basis           bigint,
    previous_value  double,
    previous_basis  bigint,
    tickets         bigint,
    rule_text       varchar,
    note            varchar,
    as_of           timestamptz not null,
    evaluated_at    timestamptz not null,
    run_id          integer,
    version         integer
);

-- The tickets behind each firing (at most [alerts] max_tickets of them).
create table if not exists alert_firing_tickets (
    firing_id  integer not null,
    source     varchar not null,
    ticket_id  varchar not null
);
