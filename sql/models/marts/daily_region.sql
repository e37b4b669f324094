{#
  One row per UTC day × region: how many articles, distinct stories and distinct outlets were
  about that region, counted by each article's primary place (see int_article_regions). Articles
  without a primary place are not counted. The day is published_at's UTC date, or fetched_at's
  when published_at is NULL.

  Incremental: a build recomputes only the days of articles loaded (loaded_at) after the mart's
  last build (max(built_at)), from all of those days' articles, and replaces those days whole
  (delete+insert keyed on day). Keying the delete on the day rather than the full grain is what
  keeps it equal to a full refresh when a re-loaded article moves to another region: the region
  it left would otherwise keep its old count. Changes that do not bump articles.loaded_at (rows
  deleted by hand, places re-tagged in place, an article re-loaded onto another day, leaving its
  old day) need `--full-refresh`.
#}
-- depends_on: {{ ref('stg_articles') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='day',
        on_schema_change='fail',
    )
}}

with article_regions as (

    select * from {{ ref('int_article_regions') }}

),

{% if is_incremental() %}
last_build as (

    select max(built_at) as built_at from {{ this }}

),

touched_days as (

    select distinct published_day
    from {{ ref('stg_articles') }}
    where loaded_at > (select built_at from last_build)
        or (select built_at from last_build) is null

),
{% endif %}

scoped as (

    select * from article_regions
    {% if is_incremental() %}
    where published_day in (select published_day from touched_days)
    {% endif %}

),

daily as (

    select
        published_day as day,
        region_level,
        region_code,
        region_name,
        count(*) as n_articles,
        count(distinct story_id) as n_stories,
        count(distinct outlet) as n_outlets

    from scoped
    group by published_day, region_level, region_code, region_name

)

select
    *,
    current_timestamp as built_at

from daily
