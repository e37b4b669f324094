{#
  One row per article: the article's day, outlet, agency and story, plus its primary place with
  country and ISO 3166-2 subdivision names from the seeds. The one wide table to query when a
  question is about articles rather than days.

  primary_un_region / primary_un_subregion are the primary country's UN M49 region and
  sub-region (seed un_m49_regions). Region names come from the ISO seeds (sql/seeds, generated from pycountry); a code the seeds do
  not know keeps a NULL name here and the marts fall back to the code itself.

  A table, incremental by article (macros/incremental_scope.sql): a build recomputes only the
  articles loaded, re-written or out of embargo since the last one, and drops those killed or
  put under embargo. Names come from the seeds at the time an article was computed: after a
  seed update, `--full-refresh` renames the older rows.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed('articles') }}",
        post_hook="{{ record_model_watermark() }}",
    )
}}

with articles as (

    select * from {{ ref('stg_articles') }}
    {{ only_changed_articles() }}

),

primary_places as (

    select * from {{ ref('int_article_primary_places') }}
    {{ only_changed_articles() }}

),

countries as (

    select * from {{ ref('iso_3166_1') }}

),

subdivisions as (

    select * from {{ ref('iso_3166_2') }}

),

world_regions as (

    select * from {{ ref('un_m49_regions') }}

),

enriched as (

    select
        articles.article_id,
        articles.published_day,
        articles.day_source,
        articles.effective_published_at,
        articles.published_at,
        articles.fetched_at,
        articles.feed_id,
        articles.outlet,
        articles.publisher_country,
        articles.language,
        articles.title,
        articles.word_count,
        articles.agency,
        articles.story_id,
        articles.loaded_at,
        primary_places.country_code as primary_country_code,
        countries.name as primary_country_name,
        primary_places.admin1_code as primary_admin1_code,
        subdivisions.name as primary_admin1_name,
        primary_places.place_name as primary_place_name,
        primary_places.canonical_name as primary_place_canonical_name,
        primary_places.geonameid as primary_geonameid,
        world_regions.un_region as primary_un_region,
        world_regions.un_subregion as primary_un_subregion

    from articles
    left join primary_places
        on articles.article_id = primary_places.article_id
    left join countries
        on primary_places.country_code = countries.alpha_2
    left join subdivisions
        on primary_places.admin1_code = subdivisions.code
    left join world_regions
        on primary_places.country_code = world_regions.alpha_2

)

select * from enriched
