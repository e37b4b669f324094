{#
  One row per UTC day × publisher country × story country: who covers whom. The publisher
  country is the feed's `country` (FEEDS.yaml), the story country that of the article's primary
  place; is_domestic marks a country covering itself. Articles with no primary place, or from a
  feed without a country, cannot be placed in the matrix and are left out (their counts are in
  daily_region and the raw tables).

  Incremental exactly as daily_region (macro only_days_loaded_since_last_build).
#}
{# append_new_columns: a table built before this mart was incremental lacks built_at; the
   column is added, no watermark is found, and every day is recomputed once. #}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='day',
        on_schema_change='append_new_columns',
        pre_hook="{{ delete_loaded_days() }}",
        post_hook="{{ record_model_watermark() }}",
    )
}}

with enriched as (

    select * from {{ ref('int_articles_enriched') }}
    {{ only_days_loaded_since_last_build('published_day') }}

),

articles as (

    select * from enriched
    where primary_country_code is not null
        and publisher_country is not null

),

countries as (

    select * from {{ ref('iso_3166_1') }}

),

daily as (

    select
        published_day as day,
        publisher_country,
        primary_country_code as story_country,
        count(*) as n_articles,
        count(distinct story_id) as n_stories,
        count(distinct outlet) as n_outlets

    from articles
    group by published_day, publisher_country, primary_country_code

),

named as (

    select
        daily.day,
        daily.publisher_country,
        coalesce(publishers.name, daily.publisher_country) as publisher_country_name,
        daily.story_country,
        coalesce(stories.name, daily.story_country) as story_country_name,
        daily.publisher_country = daily.story_country as is_domestic,
        daily.n_articles,
        daily.n_stories,
        daily.n_outlets,
        current_timestamp as built_at

    from daily
    left join countries as publishers
        on daily.publisher_country = publishers.alpha_2
    left join countries as stories
        on daily.story_country = stories.alpha_2

)

select * from named
