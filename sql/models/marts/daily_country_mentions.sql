{#
  One row per UTC day × country: articles that mention the country at all (any tagged place in
  it), next to those whose primary place is in it. Where daily_region answers "what was the news
  about", this answers "who was in the news": a story about Kherson that mentions Moscow and
  Washington counts once for UA, RU and US here, and only for UA in daily_region.

  Incremental exactly as daily_region (macro only_days_loaded_since_last_build): the days of
  articles loaded since the last build (a re-tag bumps loaded_at too) are recomputed whole.
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

with article_countries as (

    select * from {{ ref('int_article_countries') }}
    {{ only_days_loaded_since_last_build('published_day') }}

),

countries as (

    select * from {{ ref('iso_3166_1') }}

),

world_regions as (

    select * from {{ ref('un_m49_regions') }}

),

daily as (

    select
        published_day as day,
        country_code,
        count(*) as n_articles,
        count(*) filter (where is_primary_country) as n_primary_articles,
        count(distinct story_id) as n_stories,
        count(distinct outlet) as n_outlets,
        sum(n_mentions) as n_mentions

    from article_countries
    group by published_day, country_code

),

named as (

    select
        daily.day,
        daily.country_code,
        coalesce(countries.name, daily.country_code) as country_name,
        world_regions.un_region,
        world_regions.un_subregion,
        daily.n_articles,
        daily.n_primary_articles,
        daily.n_stories,
        daily.n_outlets,
        daily.n_mentions,
        current_timestamp as built_at

    from daily
    left join countries
        on daily.country_code = countries.alpha_2
    left join world_regions
        on daily.country_code = world_regions.alpha_2

)

select * from named
