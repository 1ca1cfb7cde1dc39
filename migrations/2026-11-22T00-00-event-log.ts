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

  await createAppendEventsV1(db);
}

/** The first `append_events`; the migration that replaces it restores this one on the way down. */
export async function createAppendEventsV1(db: Kysely<unknown>): Promise<void> {
  // The whole append is one statement, so one round trip and one implicit transaction. The batch comes as
  // parallel arrays (one entry per event, in order); kind is register | company | open | life (derived
  // from the event catalog by the caller), expected is any | no_stream | stream_exists | a number | null.
  // Checks run in the order the API promises: identical replay, unknown companies and deals (SL422),
  // versions and stream rules (SL409). Few SQL statements on purpose: each costs a planner/executor pass;
  // the per-event checks are plain PL/pgSQL expressions over the arrays.
  await sql`
create or replace function append_events(
  p_ids uuid[], p_streams text[], p_types text[], p_kinds text[], p_expected text[],
  p_data json[], p_metadata json[], p_companies text[], p_actor text, p_request_id text)
returns table (event_id uuid, stream_id text, stream_version integer, "position" bigint, xid xid8, replayed boolean)
-- Custom plans would be re-planned on every call (the planner keeps preferring them for tiny arrays),
-- which cost more than the whole append; the generic plans are index lookups whatever the batch size.
language plpgsql set plan_cache_mode = force_generic_plan as $fn$
#variable_conflict use_column
declare
  v_count integer := cardinality(p_ids);
  v_found integer;
  v_identical boolean;
  v_versions integer[];
  v_unknown jsonb;
  v_deals text[] := '{}';
  v_conflicts jsonb := '[]';
  v_expected text;
  v_reason text;
begin
  -- Lock every stream of the batch, in one global order so that batches cannot deadlock, before the
  -- first write: the xid is assigned at that write, so a later version never gets a lower xid. Taken
  -- before the lookups below, whose statement then sees a racing identical append that committed.
  if v_count = 1 then
    perform pg_advisory_xact_lock(hashtextextended(p_streams[1], 0));
  else
    perform pg_advisory_xact_lock(k)
       from (select distinct hashtextextended(s, 0) as k from unnest(p_streams) as s order by 1) as locks;
  end if;

  -- Everything the checks need, in one statement: stored events with our ids, each event's new version
  -- (the stream's current version plus its rank among the batch's events of that stream), and the
  -- referenced companies that are registered neither in the log nor in this batch.
  select (select count(*)::integer from events e where e.event_id = any(p_ids)),
         (select coalesce(bool_and(e.type = p_types[i] and e.stream_id = p_streams[i]
                 and e.data::jsonb = p_data[i]::jsonb
                 and e.metadata::jsonb is not distinct from p_metadata[i]::jsonb), true)
            from events e cross join lateral array_position(p_ids, e.event_id) as i
           where e.event_id = any(p_ids)),
         (select array_agg(coalesce((select max(e.stream_version) from events e where e.stream_id = n.stream), 0)
                           + n.rn::integer order by n.i)
            from (select i, p_streams[i] as stream, row_number() over (partition by p_streams[i] order by i) as rn
                    from generate_series(1, v_count) as i) as n),
         (select jsonb_agg(c order by c)
            from unnest(p_companies) as c
           where not exists (select 1 from events e where e.stream_id = 'company-' || c and e.stream_version = 1)
             and not exists (select 1 from generate_series(1, v_count) as i
                              where p_kinds[i] = 'register' and p_streams[i] = 'company-' || c))
    into v_found, v_identical, v_versions, v_unknown;

  if v_found > 0 then
    if v_found = v_count and v_identical then
      return query
        select e.event_id, e.stream_id, e.stream_version, e.position, e.xid, true
          from events e cross join lateral array_position(p_ids, e.event_id) as i
         where e.event_id = any(p_ids)
         order by i;
      return;
    end if;
    select jsonb_agg(jsonb_build_object('index', i - 1, 'id', e.event_id,
             'reason', case when v_found = v_count then 'different_content' else 'mixed_replay' end) order by i)
      into v_unknown
      from events e cross join lateral array_position(p_ids, e.event_id) as i
     where e.event_id = any(p_ids);
    raise exception using errcode = 'SL409', message = 'event_id_reused', detail = v_unknown::text;
  end if;
  if v_unknown is not null then
    raise exception using errcode = 'SL422', message = 'unknown_companies', detail = v_unknown::text;
  end if;

  for i in 1 .. v_count loop
    -- A lifecycle event that would be version 1 has no opening event before it.
    if p_kinds[i] = 'life' and v_versions[i] = 1 and not (substr(p_streams[i], 6) = any(v_deals)) then
      v_deals := v_deals || substr(p_streams[i], 6);
    end if;
    v_expected := p_expected[i];
    v_reason := case
      when p_kinds[i] = 'register' and v_versions[i] <> 1 then 'company_already_registered'
      when p_kinds[i] = 'open' and v_versions[i] <> 1 then 'deal_already_opened'
      when v_expected = 'no_stream' and v_versions[i] <> 1 then 'wrong_expected_version'
      when v_expected = 'stream_exists' and v_versions[i] = 1 then 'wrong_expected_version'
      when v_expected ~ '^[0-9]+$' and v_expected::integer <> v_versions[i] - 1 then 'wrong_expected_version'
    end;
    if v_reason is not null then
      v_conflicts := v_conflicts || jsonb_build_object(
        'index', i - 1, 'streamId', p_streams[i], 'actual', v_versions[i] - 1, 'reason', v_reason,
        'expected', case when v_expected ~ '^[0-9]+$' then to_jsonb(v_expected::integer) else to_jsonb(v_expected) end);
    end if;
  end loop;
  if cardinality(v_deals) > 0 then
    raise exception using errcode = 'SL422', message = 'unknown_deals', detail = to_jsonb(v_deals)::text;
  end if;
  if jsonb_array_length(v_conflicts) > 0 then
    raise exception using errcode = 'SL409', message = 'stream_conflict', detail = v_conflicts::text;
  end if;

  return query
    insert into events as e (event_id, stream_id, stream_version, type, data, metadata, actor, request_id)
    select p_ids[i], p_streams[i], v_versions[i], p_types[i], p_data[i], p_metadata[i], p_actor, p_request_id
      from generate_series(1, v_count) as i
     order by i
    returning e.event_id, e.stream_id, e.stream_version, e.position, e.xid, false;
end
$fn$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop function if exists append_events(uuid[], text[], text[], text[], text[], json[], json[], text[], text, text)`.execute(
    db,
  );
  await db.schema.dropTable("api_tokens").ifExists().execute();
  await db.schema.dropTable("log_meta").ifExists().execute();
  await db.schema.dropTable("events").ifExists().execute();
}
