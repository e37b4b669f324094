{#
  Incremental models keyed on articles or stories rather than days.

  Each such model records, in a post-hook, when it last read its inputs
  (dbt_meta.model_watermarks, one row per model; created by the on-run-start hook). An
  incremental build then:
    1. deletes (pre-hook) the rows of every article or story that changed since that time,
    2. recomputes exactly those from all of their current inputs (the model's `where`),
    3. records the new watermark (post-hook).
  Deleting first is what makes it equal a full refresh when an article leaves the model (killed,
  put under embargo, re-tagged to no place): delete+insert on the new rows alone would keep it.

  "Changed" is what the day marts already rely on (macros/only_days_loaded_since_last_build.sql):
  the loader bumps articles.loaded_at whenever an article's row, places, story or visibility
  changes, and an embargo that ended since the last build brings an article in without a load.
  Stories also count as changed when their stories row was rewritten (stories.updated_at).

  With no watermark (first build, --full-refresh, an older file) everything is in scope.
#}

{% macro model_watermark() -%}
    (select max(built_at) from "{{ target.database }}".dbt_meta.model_watermarks
     where model = '{{ this.identifier }}')
{%- endmacro %}


{#
  The watermark is when this dbt invocation started, not when the model finished: an embargo
  that ends while the build runs (after the model read `now()`, before its post-hook) must
  count as ending after the watermark, or no later build would bring the article in. Rows seen
  twice are harmless: the scopes replace whole articles, stories and days.
#}
{% macro record_model_watermark() -%}
    insert or replace into "{{ target.database }}".dbt_meta.model_watermarks
    values ('{{ this.identifier }}', '{{ run_started_at.isoformat() }}'::timestamptz)
{%- endmacro %}


{# The ids of articles changed since this model's watermark (a subquery). #}
{% macro changed_article_ids() -%}
    {%- set wm = model_watermark() -%}
    select article_id from {{ source('newsflow', 'articles') }}
    where {{ wm }} is null
        or loaded_at > {{ wm }}
        or (embargoed_until > {{ wm }} and embargoed_until <= now())
{%- endmacro %}


{# The ids of stories changed since this model's watermark (a subquery). #}
{% macro changed_story_ids() -%}
    {%- set wm = model_watermark() -%}
    select story_id from {{ source('newsflow', 'articles') }}
    where {{ wm }} is null
        or loaded_at > {{ wm }}
        or (embargoed_until > {{ wm }} and embargoed_until <= now())
    union
    select story_id from {{ source('newsflow', 'stories') }}
    where {{ wm }} is null or updated_at > {{ wm }}
{%- endmacro %}


{#
  `where` clause for the model's select: only the changed articles (stories) on an incremental
  build, everything otherwise. The source()s sit outside the `if` so dbt records the dependency
  while parsing (see only_days_loaded_since_last_build).
#}
{% macro only_changed_articles(column='article_id') -%}
    {%- set scope = changed_article_ids() -%}
    {%- if is_incremental() %}
    where {{ column }} in ({{ constant_list(scope) }})
    {%- endif -%}
{%- endmacro %}


{% macro only_changed_stories(column='story_id') -%}
    {%- set scope = changed_story_ids() -%}
    {%- if is_incremental() %}
    where {{ column }} in ({{ constant_list(scope) }})
    {%- endif -%}
{%- endmacro %}


{#
  The rows of a one-column subquery as a constant SQL list, looked up while the node compiles
  (so the pre-hook and the model, compiled before either runs, get the same list); the
  subquery itself when there are more than `limit` rows, or while parsing. Why: DuckDB
  evaluates a constant IN list inside the table scan, reading the other columns only for
  matching rows (and answers it from an ART index where there is one); IN (subquery) becomes a
  semi join that reads every column of every row: ~1.5 s per model at a million articles.
#}
{% macro constant_list(subquery, type='varchar', limit=20000) -%}
    {%- if not execute -%}
        {{ subquery }}
    {%- else -%}
        {%- set found = run_query('select * from (' ~ subquery ~ ') limit ' ~ (limit + 1)) -%}
        {%- set values = found.columns[0].values() | reject('none') | list -%}
        {%- if values | length > limit -%}
            {{ subquery }}
        {%- elif not values -%}
            null
        {%- else -%}
            {%- for v in values -%}
                '{{ (v | string).replace("'", "''") }}'::{{ type }}{{ ', ' if not loop.last }}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{# Pre-hook: drop the rows the build is about to recompute. #}
{% macro delete_changed(kind='articles') -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where
        {%- if kind == 'stories' %} story_id in ({{ constant_list(changed_story_ids()) }})
        {%- else %} article_id in ({{ constant_list(changed_article_ids()) }})
        {%- endif -%}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}


{# Post-hook of story_spread: rows of stories the clusterer merged away (no stories row). #}
{% macro delete_vanished_stories() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where story_id not in (
        select story_id from {{ source('newsflow', 'stories') }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
