{#
  One row per article × country it mentions: every distinct country among the article's tagged
  places (a city counts for its country), whether or not it is the primary one. n_mentions adds
  up the mention counts of the article's places in that country; is_primary_country says whether
  it is the country of the article's primary place. The rows daily_country_mentions counts.

  A table, incremental by article like int_articles_enriched (macros/incremental_scope.sql).
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

with places as (

    select * from {{ ref('stg_article_places') }}
    {{ only_changed_articles() }}

),

articles as (

    select * from {{ ref('int_articles_enriched') }}
    {{ only_changed_articles() }}

),

by_country as (

    select
        article_id,
        country_code,
        sum(mention_count) as n_mentions,
        max(confidence) as max_confidence

    from places
    group by article_id, country_code

),

joined as (

    select
        by_country.article_id,
        by_country.country_code,
        by_country.n_mentions,
        by_country.max_confidence,
        coalesce(by_country.country_code = articles.primary_country_code, false)
            as is_primary_country,
        articles.published_day,
        articles.story_id,
        articles.outlet,
        articles.publisher_country,
        articles.loaded_at

    from by_country
    inner join articles
        on by_country.article_id = articles.article_id

)

select * from joined
