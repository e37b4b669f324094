{#
  One row per article that has a primary place: the place the article is about.

  The tagger marks at most one place per article is_primary; should a re-tag ever leave two, the
  most-mentioned (then most confident, then lowest code) wins, so the marts never double-count an
  article. Articles with no primary place have no row here and are not counted by region.

  A table, incremental by article (macros/incremental_scope.sql): a build recomputes only the
  articles loaded or re-tagged since the last one. As a view, every mart that reads it ranked
  every place of the corpus again.
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

primary_places as (

    select
        article_id,
        country_code,
        admin1_code,
        place_name,
        canonical_name,
        geonameid,
        mention_count,
        confidence

    from places
    where is_primary
    qualify row_number() over (
        partition by article_id
        order by
            mention_count desc,
            confidence desc nulls last,
            country_code,
            admin1_code nulls last,
            place_name
    ) = 1

)

select * from primary_places
