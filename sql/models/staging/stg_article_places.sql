{#
  One row per place tagged in an article. Codes are normalised so they join the ISO seeds:
  country_code upper-cased; admin1_code upper-cased and, when the tagger wrote only the
  subdivision part ("IDF"), prefixed with the country ("FR-IDF") to make a full ISO 3166-2 code.
#}
with source as (

    select * from {{ source('newsflow', 'article_places') }}

),

renamed as (

    select
        article_id,
        upper(trim(country_code)) as country_code,
        case
            when nullif(trim(admin1_code), '') is null then null
            when contains(admin1_code, '-') then upper(trim(admin1_code))
            else upper(trim(country_code)) || '-' || upper(trim(admin1_code))
        end as admin1_code,
        place_name,
        canonical_name,
        geonameid,
        mention_count,
        confidence,
        is_primary,
        place_kind,
        match_type

    from source

)

select * from renamed
