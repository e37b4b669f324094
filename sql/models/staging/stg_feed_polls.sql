{# One row per feed poll; polled_day is the UTC date of polled_at. #}
with source as (

    select * from {{ source('newsflow', 'feed_polls') }}

),

renamed as (

    select
        poll_id,
        run_id,
        feed_id,
        feed_url,
        polled_at,
        cast((polled_at at time zone 'UTC') as date) as polled_day,
        outcome,
        status_code,
        duration_ms,
        n_entries,
        n_new,
        feed_format,
        error

    from source

)

select * from renamed
