{#
  The incremental scope of a by-day mart, written once for every mart that uses it.

  On an incremental build it returns a `where` clause keeping only the days (`day_column`, the
  mart input's published_day) that changed since the mart's last build (its watermark in
  dbt_meta.model_watermarks, recorded by the post-hook; max(built_at) of the mart itself in a
  file built before the watermarks existed), or every day when the mart is still empty. A day changed when an article of it
  was loaded or re-written (articles.loaded_at: the loader bumps it on an update, a kill, a new
  embargo or a lifted one) or when an article's embargo ended since the last build (nothing is
  loaded then; the day must still gain the article). The mart recomputes those days from all of
  their articles and replaces them whole (delete+insert keyed on `day`), so the result equals a
  full refresh.

  The days are looked up while the model compiles and written into its SQL as constants: a
  constant IN list is evaluated inside the table scan (only the day column is read for rows
  of other days), where an IN (subquery) becomes a join that reads every column of every row.

  It reads the source table, not stg_articles: a withdrawn or embargoed article is not in
  stg_articles, and its day must be rebuilt without it. The day expression repeats
  stg_articles.published_day.

  The source() sits outside the `if` on purpose: dbt records a model's dependencies while
  parsing, when is_incremental() is false, so a reference only inside the branch would be missed.

  Needs on the model: materialized='incremental', incremental_strategy='delete+insert',
  unique_key='day', a `built_at` column (current_timestamp) in its final select, and the hooks
  pre_hook delete_loaded_days() (below) and post_hook record_model_watermark().
#}
{% macro only_days_loaded_since_last_build(day_column='published_day') -%}
    {%- set all_articles = source('newsflow', 'articles') -%}
    {%- if is_incremental() %}
    {#- a mart built before the watermarks (or before it was incremental) has no row in
        dbt_meta.model_watermarks; its own max(built_at), if it has the column, stands in -#}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list
        if execute else [] -%}
    {%- set own = '(select max(built_at) from ' ~ this ~ ')' if 'built_at' in columns
        else 'null::timestamptz' -%}
    {%- set since -%}
        coalesce({{ model_watermark() }}, {{ own }})
    {%- endset %}
    {%- set days -%}
        select distinct
            cast((coalesce(published_at, fetched_at) at time zone 'UTC') as date)
        from {{ all_articles }}
        where loaded_at > {{ since }}
            or (
                embargoed_until > {{ since }}
                and embargoed_until <= now()
            )
            or {{ since }} is null
    {%- endset %}
    where {{ day_column }} in ({{ constant_list(days, 'date') }})
    {%- endif -%}
{%- endmacro %}


{#
  Pre-hook of the by-day marts: delete the days the build recomputes before it inserts them.
  delete+insert alone deletes only the days present in the new rows, so a day whose last
  article was killed, put under embargo or re-tagged to no place would keep its old rows.
#}
{% macro delete_loaded_days() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    {{ only_days_loaded_since_last_build('day') }}
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
