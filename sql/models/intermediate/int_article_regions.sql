{#
  One row per article × region level, from the article's primary place:
  - region_level = 'country': the primary place's country (every article with a primary place);
  - region_level = 'admin1': the primary place's ISO 3166-2 subdivision, only when it has one;
  - region_level = 'world_region' / 'world_subregion': the primary country's UN M49 region
    ("Europe") and sub-region ("Eastern Europe"), when the seed has the country. M49 names are
    both code and name (no installed package ships M49 region codes).
  region_name is the seed name, or the code itself when the seeds do not know it.
#}
with articles as (

    select * from {{ ref('int_articles_enriched') }}
    where primary_country_code is not null

),

country_regions as (

    select
        article_id,
        published_day,
        story_id,
        outlet,
        loaded_at,
        'country' as region_level,
        primary_country_code as region_code,
        coalesce(primary_country_name, primary_country_code) as region_name

    from articles

),

admin1_regions as (

    select
        article_id,
        published_day,
        story_id,
        outlet,
        loaded_at,
        'admin1' as region_level,
        primary_admin1_code as region_code,
        coalesce(primary_admin1_name, primary_admin1_code) as region_name

    from articles
    where primary_admin1_code is not null

),

world_regions as (

    select
        article_id,
        published_day,
        story_id,
        outlet,
        loaded_at,
        'world_region' as region_level,
        primary_un_region as region_code,
        primary_un_region as region_name

    from articles
    where primary_un_region is not null

),

world_subregions as (

    select
        article_id,
        published_day,
        story_id,
        outlet,
        loaded_at,
        'world_subregion' as region_level,
        primary_un_subregion as region_code,
        primary_un_subregion as region_name

    from articles
    where primary_un_subregion is not null

),

unioned as (

    select * from country_regions
    union all
    select * from admin1_regions
    union all
    select * from world_regions
    union all
    select * from world_subregions

)

select * from unioned
