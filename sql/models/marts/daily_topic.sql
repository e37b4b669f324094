{#
  One row per UTC day × subject (IPTC scheme and code, from wire items) × country: how many
  articles and distinct stories carried that subject about that country. The country is the
  article's primary place (int_articles_enriched); an article without one counts under
  country_code '' so a subject's daily total never loses articles. Only articles with subject
  codes (wire items) appear; withdrawn and embargoed ones are out (stg_articles).

  Incremental exactly as daily_region (macro only_days_loaded_since_last_build): the days that
  changed since the last build, kills and embargoes included, are recomputed whole.
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

),

subjects as (

    select * from {{ ref('stg_article_subjects') }}

),

tagged as (

    select
        articles.published_day,
        articles.article_id,
        articles.story_id,
        coalesce(articles.primary_country_code, '') as country_code,
        subjects.scheme,
        subjects.code,
        subjects.subject_name

    from articles
    inner join subjects
        on articles.article_id = subjects.article_id

),

scoped as (

    select * from tagged
    {{ only_days_loaded_since_last_build('published_day') }}

),

daily as (

    select
        published_day as day,
        scheme,
        code,
        max(subject_name) as subject_name,
        country_code,
        count(distinct article_id) as n_articles,
        count(distinct story_id) as n_stories

    from scoped
    group by published_day, scheme, code, country_code

)

select
    *,
    current_timestamp as built_at

from daily
