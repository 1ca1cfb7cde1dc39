import { type Kysely, sql } from "kysely";

// Frozen in time: this file must never import application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("events")
    .addColumn("position", "bigint", (c) => c.generatedAlwaysAsIdentity().primaryKey())
    // The writing transaction's id: readers order by (xid, position) and stop at the snapshot horizon,
    // which is what makes reading the log gap-free under concurrent appends.
    .addColumn("xid", sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn("stream_id", "text", (c) => c.notNull())
    .addColumn("stream_version", "integer", (c) => c.notNull())
    .addColumn("event_id", "uuid", (c) => c.notNull().unique())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("schema_version", "smallint", (c) => c.notNull().defaultTo(1))
    // json, not jsonb: the text is kept as sent (key order included); comparisons cast to jsonb.
    .addColumn("data", "json", (c) => c.notNull())
    .addColumn("metadata", "json")
    .addColumn("actor", "text")
    .addColumn("request_id", "text")
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("events_stream_version_key", ["stream_id", "stream_version"])
    .execute();
  await db.schema.createIndex("events_xid_position_idx").on("events").columns(["xid", "position"]).execute();

  await db.schema
    .createTable("log_meta")
    .addColumn("singleton", "boolean", (c) => c.primaryKey().defaultTo(true).check(sql`singleton`))
    .addColumn("log_id", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`insert into log_meta (log_id) values (replace(gen_random_uuid()::text, '-', ''))`.execute(db);

  await db.schema
    .createTable("api_tokens")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("scopes", sql`text[]`, (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // The whole append is one statement, so one round trip and one implicit transaction. The batch is a
  // json array of { id, stream, type, kind, data, metadata?, expected? }; kind is register | company |
  // open | life (derived from the event catalog by the caller). Checks run in the order the API
  // promises: identical replay, unknown companies and deals (SL422), versions and stream rules (SL409).
  await sql`
create function append_events(p_batch json, p_companies text[], p_actor text, p_request_id text)
returns table (event_id uuid, stream_id text, stream_version integer, "position" bigint, xid xid8, replayed boolean)
language plpgsql as $fn$
#variable_conflict use_column
declare
  v_ids uuid[];
  v_streams text[];
  v_types text[];
  v_kinds text[];
  v_expected text[];
  v_numeric boolean[];
  v_data json[];
  v_metadata json[];
  v_count integer;
  v_found integer;
  v_identical boolean;
  v_versions integer[];
  v_problem jsonb;
begin
  -- Parse the batch once; every later statement works on these arrays (and on indexes of events).
  select array_agg((b.e->>'id')::uuid order by b.ord), array_agg(b.e->>'stream' order by b.ord),
         array_agg(b.e->>'type' order by b.ord), array_agg(b.e->>'kind' order by b.ord),
         array_agg(b.e->>'expected' order by b.ord),
         array_agg(coalesce(json_typeof(b.e->'expected') = 'number', false) order by b.ord),
         array_agg(b.e->'data' order by b.ord), array_agg(b.e->'metadata' order by b.ord)
    into v_ids, v_streams, v_types, v_kinds, v_expected, v_numeric, v_data, v_metadata
    from json_array_elements(p_batch) with ordinality as b(e, ord);
  v_count := cardinality(v_ids);

  -- Lock every stream of the batch, in one global order so that batches cannot deadlock, before the
  -- first write: the xid is assigned at that write, so a later version never gets a lower xid. Taken
  -- before the idempotency check, whose statement then sees a racing identical append that committed.
  perform pg_advisory_xact_lock(k)
     from (select distinct hashtextextended(s, 0) as k from unnest(v_streams) as s order by 1) as locks;

  select count(*)::integer,
         coalesce(bool_and(e.type = v_types[i] and e.stream_id = v_streams[i]
                  and e.data::jsonb = v_data[i]::jsonb
                  and e.metadata::jsonb is not distinct from v_metadata[i]::jsonb), true)
    into v_found, v_identical
    from events e
    cross join lateral array_position(v_ids, e.event_id) as i
   where e.event_id = any(v_ids);
  if v_found > 0 then
    if v_found = v_count and v_identical then
      return query
        select e.event_id, e.stream_id, e.stream_version, e.position, e.xid, true
          from events e
          cross join lateral array_position(v_ids, e.event_id) as i
         where e.event_id = any(v_ids)
         order by i;
      return;
    end if;
    select jsonb_agg(jsonb_build_object('index', i - 1, 'id', e.event_id,
             'reason', case when v_found = v_count then 'different_content' else 'mixed_replay' end) order by i)
      into v_problem
      from events e
      cross join lateral array_position(v_ids, e.event_id) as i
     where e.event_id = any(v_ids);
    raise exception using errcode = 'SL409', message = 'event_id_reused', detail = v_problem::text;
  end if;

  if cardinality(p_companies) > 0 then
    select jsonb_agg(c order by c) into v_problem
      from unnest(p_companies) as c
     where not exists (select 1 from events e where e.stream_id = 'company-' || c and e.stream_version = 1)
       and not exists (select 1 from generate_series(1, v_count) as i
                        where v_kinds[i] = 'register' and v_streams[i] = 'company-' || c);
    if v_problem is not null then
      raise exception using errcode = 'SL422', message = 'unknown_companies', detail = v_problem::text;
    end if;
  end if;

  -- Each event's new version: the stream's current version plus its rank among the batch's events of
  -- that stream (one index lookup per stream).
  with numbered as (
    select i, v_streams[i] as stream, row_number() over (partition by v_streams[i] order by i) as rn
      from generate_series(1, v_count) as i
  ), current_versions as (
    select s.stream, coalesce((select max(e.stream_version) from events e where e.stream_id = s.stream), 0) as version
      from (select distinct stream from numbered) as s
  )
  select array_agg(c.version + n.rn::integer order by n.i) into v_versions
    from numbered n join current_versions c using (stream);

  -- A lifecycle event that would be version 1 has no opening event before it.
  select jsonb_agg(distinct substr(v_streams[i], 6)) into v_problem
    from generate_series(1, v_count) as i
   where v_kinds[i] = 'life' and v_versions[i] = 1;
  if v_problem is not null then
    raise exception using errcode = 'SL422', message = 'unknown_deals', detail = v_problem::text;
  end if;

  select jsonb_agg(jsonb_build_object(
           'index', i - 1, 'streamId', v_streams[i],
           'expected', case when v_numeric[i] then to_jsonb(v_expected[i]::integer) else to_jsonb(v_expected[i]) end,
           'actual', v_versions[i] - 1,
           'reason', case
             when v_kinds[i] = 'register' and v_versions[i] <> 1 then 'company_already_registered'
             when v_kinds[i] = 'open' and v_versions[i] <> 1 then 'deal_already_opened'
             else 'wrong_expected_version' end) order by i)
    into v_problem
    from generate_series(1, v_count) as i
   where (v_kinds[i] in ('register', 'open') and v_versions[i] <> 1)
      or (v_expected[i] = 'no_stream' and v_versions[i] <> 1)
      or (v_expected[i] = 'stream_exists' and v_versions[i] = 1)
      or (v_numeric[i] and v_expected[i]::integer <> v_versions[i] - 1);
  if v_problem is not null then
    raise exception using errcode = 'SL409', message = 'stream_conflict', detail = v_problem::text;
  end if;

  return query
    insert into events as e (event_id, stream_id, stream_version, type, data, metadata, actor, request_id)
    select v_ids[i], v_streams[i], v_versions[i], v_types[i], v_data[i], v_metadata[i], p_actor, p_request_id
      from generate_series(1, v_count) as i
     order by i
    returning e.event_id, e.stream_id, e.stream_version, e.position, e.xid, false;
end
$fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists append_events(json, text[], text, text)`.execute(db);
  await db.schema.dropTable("api_tokens").ifExists().execute();
  await db.schema.dropTable("log_meta").ifExists().execute();
  await db.schema.dropTable("events").ifExists().execute();
}
