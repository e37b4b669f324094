{#
  One row per article: the columns the marts need, with the article's day derived once.

  published_day is the UTC calendar date of published_at; when published_at is NULL (no date found
  in the page or feed) it falls back to fetched_at, and day_source says which was used. The
  explicit AT TIME ZONE 'UTC' matters: casting a TIMESTAMPTZ to DATE uses the session time zone.
  The article body is left out: marts never need it and it is by far the widest column.

  Withdrawn wire items (withdrawn_at set: killed) and items under embargo (embargoed_until later
  than now) are left out here, so no mart counts them; a story only they carried disappears from
  the marts with them. The macro only_days_loaded_since_last_build rebuilds the days a kill or
  an embargo touches (it reads the source table, which still holds them).
#}
with source as (

    select * from {{ source('newsflow', 'articles') }}

),

renamed as (

    select
        article_id,
        url,
        feed_id,
        outlet,
        upper(nullif(trim(publisher_country), '')) as publisher_country,
        title,
        title_source,
        word_count,
        language,
        published_at,
        date_source,
        fetched_at,
        nullif(trim(agency), '') as agency,
        agency_evidence,
        syndication,
        coalesce(is_syndicated, false) as is_syndicated,
        byline,
        story_id,
        content_hash,
        extractor,
        extractor_version,
        section,
        date_flags,
        run_id,
        batch_id,
        loaded_at,
        coalesce(published_at, fetched_at) as effective_published_at,
        cast((coalesce(published_at, fetched_at) at time zone 'UTC') as date) as published_day,
        case when published_at is null then 'fetched_at' else 'published_at' end as day_source

    from source
    where withdrawn_at is null
        and (embargoed_until is null or embargoed_until <= now())

)

select * from renamed
