{#
  One row per UTC day × wire agency: articles, distinct stories and distinct outlets carrying that
  agency's copy. Only articles with an attributed agency are counted; articles whose agency is
  NULL (own reporting, or no attribution found) are left out rather than lumped under a made-up
  agency name. The day is published_at's UTC date, or fetched_at's when published_at is NULL.

  Incremental exactly as daily_region: the days of articles loaded since the last build
  (max(built_at)) are recomputed from all their articles and replaced whole (delete+insert keyed
  on day).
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

with articles as (

    select * from {{ ref('int_articles_enriched') }}
    where agency is not null

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

    select * from articles
    {% if is_incremental() %}
    where published_day in (select published_day from touched_days)
    {% endif %}

),

daily as (

    select
        published_day as day,
        agency,
        count(*) as n_articles,
        count(distinct story_id) as n_stories,
        count(distinct outlet) as n_outlets

    from scoped
    group by published_day, agency

)

select
    *,
    current_timestamp as built_at

from daily
