{#
  One row per article that has a primary place: the place the article is about.

  The tagger marks at most one place per article is_primary; should a re-tag ever leave two, the
  most-mentioned (then most confident, then lowest code) wins, so the marts never double-count an
  article. Articles with no primary place have no row here and are not counted by region.
#}
with places as (

    select * from {{ ref('stg_article_places') }}

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
