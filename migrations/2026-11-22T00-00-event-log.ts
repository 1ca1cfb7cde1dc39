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
  v_count integer := json_array_length(p_batch);
  v_found integer;
  v_identical boolean;
  v_versions integer[];
  v_problem jsonb;
begin
  -- Lock every stream of the batch, in one global order so that batches cannot deadlock, before the
  -- first write: the xid is assigned at that write, so a later version never gets a lower xid. Taken
  -- before the idempotency check, whose statement then sees a racing identical append that committed.
  perform pg_advisory_xact_lock(k)
     from (select distinct hashtextextended(b.value->>'stream', 0) as k
             from json_array_elements(p_batch) as b(value) order by 1) as locks;

  select count(*)::integer,
         coalesce(bool_and(e.type = b.value->>'type' and e.data::jsonb = (b.value->'data')::jsonb
                  and e.metadata::jsonb is not distinct from (b.value->'metadata')::jsonb
                  and e.stream_id = b.value->>'stream'), true)
    into v_found, v_identical
    from json_array_elements(p_batch) as b(value)
    join events e on e.event_id = (b.value->>'id')::uuid;
  if v_found > 0 then
    if v_found = v_count and v_identical then
      return query
        select e.event_id, e.stream_id, e.stream_version, e.position, e.xid, true
          from json_array_elements(p_batch) with ordinality as b(value, ord)
          join events e on e.event_id = (b.value->>'id')::uuid
         order by b.ord;
      return;
    end if;
    select jsonb_agg(jsonb_build_object('index', b.ord - 1, 'id', e.event_id,
             'reason', case when v_found = v_count then 'different_content' else 'mixed_replay' end) order by b.ord)
      into v_problem
      from json_array_elements(p_batch) with ordinality as b(value, ord)
      join events e on e.event_id = (b.value->>'id')::uuid;
    raise exception using errcode = 'SL409', message = 'event_id_reused', detail = v_problem::text;
  end if;

  select jsonb_agg(c order by c) into v_problem
    from unnest(p_companies) as c
   where not exists (select 1 from events e where e.stream_id = 'company-' || c and e.stream_version = 1)
     and not exists (select 1 from json_array_elements(p_batch) as b(value)
                      where b.value->>'kind' = 'register' and b.value->>'stream' = 'company-' || c);
  if v_problem is not null then
    raise exception using errcode = 'SL422', message = 'unknown_companies', detail = v_problem::text;
  end if;

  with numbered as (
    select b.ord, b.value->>'stream' as stream,
           row_number() over (partition by b.value->>'stream' order by b.ord) as rn
      from json_array_elements(p_batch) with ordinality as b(value, ord)
  )
  select array_agg(coalesce((select max(e.stream_version) from events e where e.stream_id = n.stream), 0) + n.rn::integer
                   order by n.ord)
    into v_versions
    from numbered n;

  -- A lifecycle event that would be version 1 has no opening event before it.
  select jsonb_agg(distinct substr(b.value->>'stream', 6)) into v_problem
    from json_array_elements(p_batch) with ordinality as b(value, ord)
   where b.value->>'kind' = 'life' and v_versions[b.ord] = 1;
  if v_problem is not null then
    raise exception using errcode = 'SL422', message = 'unknown_deals', detail = v_problem::text;
  end if;

  select jsonb_agg(jsonb_build_object(
           'index', b.ord - 1, 'streamId', b.value->>'stream', 'expected', b.value->'expected',
           'actual', v_versions[b.ord] - 1,
           'reason', case
             when b.value->>'kind' = 'register' and v_versions[b.ord] <> 1 then 'company_already_registered'
             when b.value->>'kind' = 'open' and v_versions[b.ord] <> 1 then 'deal_already_opened'
             else 'wrong_expected_version' end) order by b.ord)
    into v_problem
    from json_array_elements(p_batch) with ordinality as b(value, ord)
   where (b.value->>'kind' in ('register', 'open') and v_versions[b.ord] <> 1)
      or (b.value->>'expected' = 'no_stream' and v_versions[b.ord] <> 1)
      or (b.value->>'expected' = 'stream_exists' and v_versions[b.ord] = 1)
      or (json_typeof(b.value->'expected') = 'number' and (b.value->>'expected')::integer <> v_versions[b.ord] - 1);
  if v_problem is not null then
    raise exception using errcode = 'SL409', message = 'stream_conflict', detail = v_problem::text;
  end if;

  return query
    insert into events as e (event_id, stream_id, stream_version, type, data, metadata, actor, request_id)
    select (b.value->>'id')::uuid, b.value->>'stream', v_versions[b.ord], b.value->>'type',
           b.value->'data', b.value->'metadata', p_actor, p_request_id
      from json_array_elements(p_batch) with ordinality as b(value, ord)
     order by b.ord
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
