{#
  One row per story: how far one report travelled. n_articles / n_outlets count its copies and
  the outlets that ran them, n_publisher_countries the countries those outlets are in (feed
  config), n_countries / countries the primary places the copies are about (ISO 3166-1 alpha-2,
  comma-separated), first_copy_at / last_copy_at the earliest and latest copy (published_at, or
  fetched_at when a page has no date) and hours_first_to_last the time between them.
  n_syndicated counts copies that are agency copy or another outlet's report
  (articles.is_syndicated).

  Withdrawn and embargoed wire items are not copies here (stg_articles), so a story only they
  carried has no row.

  Incremental by story (macros/incremental_scope.sql), not by day: the story clusterer merges
  and re-keys stories as copies arrive, so a story's row changes without any of its days being
  new. A build recomputes the stories of every article loaded or re-written since the last one
  and every story whose stories row was rewritten; a story that no longer exists (merged into
  another) loses its row in the post-hook.
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_changed('stories') }}",
        post_hook=[
            "{{ delete_vanished_stories() }}",
            "{{ record_model_watermark() }}",
        ],
    )
}}

with articles as (

    select * from {{ ref('stg_articles') }}
    {{ only_changed_stories() }}

),

primary_places as (

    select * from {{ ref('int_article_primary_places') }}

),

stories as (

    select * from {{ ref('stg_stories') }}

),

copies as (

    select
        articles.story_id,
        articles.article_id,
        articles.title,
        articles.outlet,
        articles.publisher_country,
        articles.effective_published_at,
        articles.is_syndicated,
        primary_places.country_code as primary_country_code

    from articles
    left join primary_places
        on articles.article_id = primary_places.article_id

),

spread as (

    select
        story_id,
        count(*) as n_articles,
        count(distinct outlet) as n_outlets,
        count(distinct publisher_country) as n_publisher_countries,
        count(distinct primary_country_code) as n_countries,
        string_agg(distinct primary_country_code, ',' order by primary_country_code)
            as countries,
        count(*) filter (where is_syndicated) as n_syndicated,
        min(effective_published_at) as first_copy_at,
        max(effective_published_at) as last_copy_at,
        list(article_id) as article_ids,
        arg_min(title, effective_published_at) as first_visible_title

    from copies
    group by story_id

)

select
    spread.story_id,
    stories.first_article_id,
    -- a story whose first article was withdrawn or is under embargo is named after its
    -- earliest copy still visible, never after the hidden one
    case
        when list_contains(spread.article_ids, stories.first_article_id) then stories.title
        else spread.first_visible_title
    end as title,
    stories.agency,
    spread.n_articles,
    spread.n_outlets,
    spread.n_publisher_countries,
    spread.n_countries,
    spread.countries,
    spread.n_syndicated,
    spread.first_copy_at,
    spread.last_copy_at,
    round(epoch(spread.last_copy_at - spread.first_copy_at) / 3600.0, 2) as hours_first_to_last

from spread
left join stories
    on spread.story_id = stories.story_id
