{#
  One row per subject code of a wire item's article: scheme and code trimmed, scheme '' kept
  as '' (the item named no scheme), one row per (article, scheme, code).
#}
with source as (

    select * from {{ source('newsflow', 'article_subjects') }}

),

renamed as (

    select
        article_id,
        trim(scheme) as scheme,
        trim(code) as code,
        max(nullif(trim(name), '')) as subject_name

    from source
    group by article_id, trim(scheme), trim(code)

)

select * from renamed
