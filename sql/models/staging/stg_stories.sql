{# One row per story, as the dedup stage last wrote it. #}
with source as (

    select * from {{ source('newsflow', 'stories') }}

),

renamed as (

    select
        story_id,
        first_article_id,
        title,
        first_published_at,
        first_seen_at,
        last_seen_at,
        article_count,
        n_outlets,
        nullif(trim(agency), '') as agency,
        method as dedup_method,
        updated_at

    from source

)

select * from renamed
