import { type Kysely, sql } from "kysely";
import { createAppendEventsV1 } from "./2026-11-22T00-00-event-log.js";

// Frozen in time: this file must never import application code.

/**
 * `append_events`, second version, same contract: the insert comes first and skips an event id already
 * stored (ON CONFLICT on the unique index the insert checks anyway), so that an append no longer looks
 * its ids up beforehand; a single event reads its version and its companies in a shorter statement; a
 * company event without an expected version skips the per-event checks. A failing check raises after
 * the insert, which undoes it. Measured in docs/benchmarks.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
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
  v_inserted integer;
  v_found integer;
  v_identical boolean;
  v_versions integer[];
  v_unknown jsonb;
  v_deals text[] := '{}';
  v_conflicts jsonb := '[]';
  v_expected text;
  v_reason text;
  v_checked boolean;
  v_stale boolean := false;
  v_current integer;
begin
  -- Optimistic concurrency on a busy stream: one event expecting a version the stream has already passed
  -- fails whatever happens next (versions only grow), so it fails before queueing for the lock behind the
  -- appends that passed it; once it holds the lock, any other mismatch fails before inserting. Not for a
  -- replay of a stored event, and not with an unknown company (those answers come first).
  v_checked := v_count = 1 and p_kinds[1] in ('company', 'life') and p_expected[1] ~ '^[0-9]{1,9}$';
  if v_checked then
    v_current := coalesce((select max(e.stream_version) from events e where e.stream_id = p_streams[1]), 0);
    v_stale := v_current > p_expected[1]::integer
      and not exists (select 1 from events e where e.event_id = p_ids[1])
      and not exists (select 1 from unnest(p_companies) as c
                       where not exists (select 1 from events e where e.stream_id = 'company-' || c and e.stream_version = 1));
  end if;

  -- Lock every stream of the batch, in one global order so that batches cannot deadlock, before the
  -- first write: the xid is assigned at that write, so a later version never gets a lower xid. Taken
  -- before the statements below, which then see a racing append of the same streams that committed.
  -- One statement then reads each event's new version (the stream's current version plus its rank among
  -- the batch's events of that stream) and the referenced companies registered neither in the log nor
  -- in this batch; a single event takes a shorter form of the same statement.
  -- (A stale event found above goes straight to its 409 below: no lock, no lookups.)
  if v_count = 1 and not v_stale then
    perform pg_advisory_xact_lock(hashtextextended(p_streams[1], 0));
    select array[coalesce((select max(e.stream_version) from events e where e.stream_id = p_streams[1]), 0) + 1],
           (select jsonb_agg(c order by c)
              from unnest(p_companies) as c
             where not exists (select 1 from events e where e.stream_id = 'company-' || c and e.stream_version = 1)
               and not (p_kinds[1] = 'register' and p_streams[1] = 'company-' || c))
      into v_versions, v_unknown;
    if v_checked then
      v_current := v_versions[1] - 1;
      -- A lifecycle event of a deal not opened yet (version 0) is a 422 first.
      v_stale := v_current <> p_expected[1]::integer and v_current >= 1 and v_unknown is null
        and not exists (select 1 from events e where e.event_id = p_ids[1]);
    end if;
  elsif v_count > 1 then
    perform pg_advisory_xact_lock(k)
       from (select distinct hashtextextended(s, 0) as k from unnest(p_streams) as s order by 1) as locks;
    select (with n as (select i, p_streams[i] as stream,
                              row_number() over (partition by p_streams[i] order by i) as rn
                         from generate_series(1, v_count) as i),
                 -- One version lookup per stream, not per event.
                 b as (select s.stream, coalesce((select max(e.stream_version) from events e
                                                   where e.stream_id = s.stream), 0) as base
                         from (select distinct stream from n) as s)
            select array_agg(b.base + n.rn::integer order by n.i) from n join b using (stream)),
           (select jsonb_agg(c order by c)
              from unnest(p_companies) as c
             where not exists (select 1 from events e where e.stream_id = 'company-' || c and e.stream_version = 1)
               and not exists (select 1 from generate_series(1, v_count) as i
                                where p_kinds[i] = 'register' and p_streams[i] = 'company-' || c))
      into v_versions, v_unknown;
  end if;
  if v_stale then
    raise exception using errcode = 'SL409', message = 'stream_conflict', detail = jsonb_build_array(jsonb_build_object(
      'index', 0, 'streamId', p_streams[1], 'actual', v_current, 'reason', 'wrong_expected_version',
      'expected', p_expected[1]::integer))::text;
  end if;

  -- Insert first: an event id already stored is skipped by the unique index the insert checks anyway,
  -- instead of a lookup on every append. A check failing below raises, which undoes the insert.
  return query
    insert into events as e (event_id, stream_id, stream_version, type, data, metadata, actor, request_id)
    select p_ids[i], p_streams[i], v_versions[i], p_types[i], p_data[i], p_metadata[i], p_actor, p_request_id
      from generate_series(1, v_count) as i
     order by i
    on conflict (event_id) do nothing
    returning e.event_id, e.stream_id, e.stream_version, e.position, e.xid, false;
  get diagnostics v_inserted = row_count;

  -- The checks run in the order the API promises: identical replay, unknown companies and deals (SL422),
  -- versions and stream rules (SL409).
  if v_inserted < v_count then
    -- Some ids were stored before (by other transactions: ours are excluded).
    select count(*)::integer,
           coalesce(bool_and(e.type = p_types[i] and e.stream_id = p_streams[i]
                    and e.data::jsonb = p_data[i]::jsonb
                    and e.metadata::jsonb is not distinct from p_metadata[i]::jsonb), true)
      into v_found, v_identical
      from events e cross join lateral array_position(p_ids, e.event_id) as i
     where e.event_id = any(p_ids) and e.xid <> pg_current_xact_id();
    if v_inserted = 0 and v_found = v_count and v_identical then
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
     where e.event_id = any(p_ids) and e.xid <> pg_current_xact_id();
    raise exception using errcode = 'SL409', message = 'event_id_reused', detail = v_unknown::text;
  end if;
  if v_unknown is not null then
    raise exception using errcode = 'SL422', message = 'unknown_companies', detail = v_unknown::text;
  end if;

  for i in 1 .. v_count loop
    v_expected := p_expected[i];
    -- A company event with no expected version has nothing left to check (its company is known).
    continue when p_kinds[i] = 'company' and v_expected is null;
    -- A lifecycle event that would be version 1 has no opening event before it.
    if p_kinds[i] = 'life' and v_versions[i] = 1 and not (substr(p_streams[i], 6) = any(v_deals)) then
      v_deals := v_deals || substr(p_streams[i], 6);
    end if;
    v_reason := case
      when p_kinds[i] = 'register' and v_versions[i] <> 1 then 'company_already_registered'
      when p_kinds[i] = 'open' and v_versions[i] <> 1 then 'deal_already_opened'
      when v_expected is null or v_expected = 'any' then null
      when v_expected = 'no_stream' then case when v_versions[i] <> 1 then 'wrong_expected_version' end
      when v_expected = 'stream_exists' then case when v_versions[i] = 1 then 'wrong_expected_version' end
      when v_expected !~ '^[0-9]{1,9}$' or v_expected::integer <> v_versions[i] - 1 then 'wrong_expected_version'
    end;
    if v_reason is not null then
      v_conflicts := v_conflicts || jsonb_build_object(
        'index', i - 1, 'streamId', p_streams[i], 'actual', v_versions[i] - 1, 'reason', v_reason,
        'expected', case when v_expected ~ '^[0-9]+$' then to_jsonb(v_expected::numeric) else to_jsonb(v_expected) end);
    end if;
  end loop;
  if cardinality(v_deals) > 0 then
    raise exception using errcode = 'SL422', message = 'unknown_deals', detail = to_jsonb(v_deals)::text;
  end if;
  if jsonb_array_length(v_conflicts) > 0 then
    raise exception using errcode = 'SL409', message = 'stream_conflict', detail = v_conflicts::text;
  end if;
end
$fn$
`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await createAppendEventsV1(db);
}
