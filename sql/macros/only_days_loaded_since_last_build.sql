{#
  The incremental scope of a by-day mart, written once for every mart that uses it.

  On an incremental build it returns a `where` clause keeping only the days (`day_column`, the
  mart input's published_day) of articles loaded (stg_articles.loaded_at) after the mart's last
  build (max(built_at) of the mart itself), or every day when the mart is still empty. The mart
  recomputes those days from all of their articles and replaces them whole (delete+insert keyed
  on `day`), so the result equals a full refresh. On a full build it returns nothing.

  The ref() sits outside the `if` on purpose: dbt records a model's dependencies while parsing,
  when is_incremental() is false, so a ref() only inside the branch would be missed (what a
  `-- depends_on:` comment in each model used to work around).

  Needs on the model: materialized='incremental', incremental_strategy='delete+insert',
  unique_key='day', and a `built_at` column (current_timestamp) in its final select.
#}
{% macro only_days_loaded_since_last_build(day_column='published_day') -%}
    {%- set loaded_articles = ref('stg_articles') -%}
    {%- if is_incremental() %}
    where {{ day_column }} in (

        select distinct published_day
        from {{ loaded_articles }}
        where loaded_at > (select max(built_at) from {{ this }})
            or (select max(built_at) from {{ this }}) is null

    )
    {%- endif -%}
{%- endmacro %}
