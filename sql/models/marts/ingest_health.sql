{#
  One row per UTC day × stage × outcome: how many feed polls (stage 'poll', by polled_at's day)
  and page fetch attempts (stage 'fetch', by attempted_at's day) ended with each outcome. The
  quick answer to "is ingestion healthy today": a jump in timeout or http_error shows here first.
  A table rebuilt in full each run: it reads two narrow columns of the log tables, cheap in DuckDB
  even for years of history, and log rows can be loaded late (a staged batch loaded the next day),
  which a by-day incremental would miss.
#}
with polls as (

    select
        polled_day as day,
        'poll' as stage,
        outcome

    from {{ ref('stg_feed_polls') }}

),

fetches as (

    select
        attempted_day as day,
        'fetch' as stage,
        outcome

    from {{ ref('stg_fetch_log') }}

),

attempts as (

    select * from polls
    union all
    select * from fetches

),

daily as (

    select
        day,
        stage,
        outcome,
        count(*) as n

    from attempts
    group by day, stage, outcome

)

select * from daily
