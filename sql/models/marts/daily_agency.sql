{#
  One row per UTC day × wire agency: articles, distinct stories and distinct outlets carrying that
  agency's copy. Only articles with an attributed agency are counted; articles whose agency is
  NULL (own reporting, or no attribution found) are left out rather than lumped under a made-up
  agency name. The day is published_at's UTC date, or fetched_at's when published_at is NULL.

  Incremental exactly as daily_region (macro only_days_loaded_since_last_build): the days of
  articles loaded since the last build (max(built_at)) are recomputed from all their articles and
  replaced whole (delete+insert keyed on day).
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='day',
        on_schema_change='fail',
        pre_hook="{{ delete_loaded_days() }}",
        post_hook="{{ record_model_watermark() }}",
    )
}}

with articles as (

    select * from {{ ref('int_articles_enriched') }}
    where agency is not null

),

scoped as (

    select * from articles
    {{ only_days_loaded_since_last_build('published_day') }}

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
