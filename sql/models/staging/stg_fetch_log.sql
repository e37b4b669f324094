{# One row per page fetch attempt; attempted_day is the UTC date of attempted_at. #}
with source as (

    select * from {{ source('newsflow', 'fetch_log') }}

),

renamed as (

    select
        fetch_id,
        run_id,
        batch_id,
        feed_id,
        url,
        url_hash,
        final_url,
        article_id,
        attempted_at,
        cast((attempted_at at time zone 'UTC') as date) as attempted_day,
        outcome,
        status_code,
        duration_ms,
        n_bytes,
        attempts,
        error

    from source

)

select * from renamed
