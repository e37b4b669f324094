{#
  One row per UTC day × region: how many articles, distinct stories and distinct outlets were
  about that region, counted by each article's primary place (see int_article_regions). Articles
  without a primary place are not counted. The day is published_at's UTC date, or fetched_at's
  when published_at is NULL.

  Incremental (macro only_days_loaded_since_last_build): a build recomputes only the days of
  articles loaded (loaded_at) after the mart's last build (max(built_at)), from all of those
  days' articles, and replaces those days whole (delete+insert keyed on day). Keying the delete on the day rather than the full grain is what
  keeps it equal to a full refresh when a re-loaded article moves to another region: the region
  it left would otherwise keep its old count. Changes that do not bump articles.loaded_at (rows
  deleted by hand, places re-tagged in place, an article re-loaded onto another day, leaving its
  old day) need `--full-refresh`.
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

with article_regions as (

    select * from {{ ref('int_article_regions') }}

),

scoped as (

    select * from article_regions
    {{ only_days_loaded_since_last_build('published_day') }}

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
