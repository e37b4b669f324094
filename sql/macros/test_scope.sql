{#
  Tests on an incremental build look only at the rows that build changed.

  dbt wraps the model a generic test reads in get_where_subquery(); this project's version adds,
  besides the test's own `where` config, the tested model's `meta.test_scope` predicate when the
  build is incremental. At a million articles a unique or not_null test over a whole view costs
  seconds (the views join and window the whole corpus), and an incremental build changes a few
  thousand rows.

  The scope starts at the last complete build (dbt_meta.builds, see start_build_log): the start of
  the last `dbt build` that selected the whole project and passed every test. Rows written since
  then are the ones no test has seen. A failed build records nothing, so the next one tests its
  rows again. Placeholders in a model's test_scope:
    {since}             the watermark, a TIMESTAMPTZ expression;
    {changed_articles}  a subquery of article ids loaded or re-written since then, or whose
                        embargo ended since then (they enter the marts without a load);
    {changed_runs}      a subquery of run ids with a batch loaded since then (feed_polls and
                        fetch_log rows carry their run's id);
    {changed_stories}   a subquery of the stories of those articles and of the stories whose
                        stories row was rewritten since then.
  Every predicate keeps whole key groups (all rows of an article, a story, a mart day share the
  stamp it filters on), so a unique test on the scope is as strong as on the whole table for
  the keys that changed, and the keys that did not change passed an earlier build.

  No scope at all (the whole model is tested) on --full-refresh, when the model declares none,
  and while parsing; when no complete build is recorded yet the scope is every row.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = newsflow_test_scope() -%}
    {%- set parts = [] -%}
    {%- if where %}{% do parts.append('(' ~ where ~ ')') %}{% endif -%}
    {%- if scope %}{% do parts.append('(' ~ scope ~ ')') %}{% endif -%}
    {%- if parts -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ parts | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro newsflow_test_scope() -%}
    {%- if not execute or flags.FULL_REFRESH or model is none -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set attached = model.get('attached_node') -%}
    {%- set node = graph.nodes.get(attached) if attached else none -%}
    {%- set template = node.config.meta.get('test_scope') if node else none -%}
    {%- if not template -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set since = newsflow_last_complete_build() -%}
    {%- set changed_articles -%}
        select article_id from {{ source('newsflow', 'articles') }}
        where loaded_at > {{ since }}
            or (embargoed_until > {{ since }} and embargoed_until <= now())
    {%- endset -%}
    {%- set changed_stories -%}
        select story_id from {{ source('newsflow', 'articles') }}
        where loaded_at > {{ since }}
            or (embargoed_until > {{ since }} and embargoed_until <= now())
        union
        select story_id from {{ source('newsflow', 'stories') }} where updated_at > {{ since }}
    {%- endset -%}
    {%- set changed_runs -%}
        select run_id from {{ source('newsflow', 'loaded_batches') }}
        where loaded_at > {{ since }}
    {%- endset -%}
    {%- set scoped = template
        | replace('{changed_articles}', changed_articles)
        | replace('{changed_runs}', changed_runs)
        | replace('{changed_stories}', changed_stories)
        | replace('{since}', since) -%}
    {%- set builds = '"' ~ target.database ~ '".dbt_meta.builds' -%}
    {%- do return('not exists (select 1 from ' ~ builds ~ ' where complete) or (' ~ scoped ~ ')') -%}
{%- endmacro %}


{#
  The start of the last complete, passing build, as a SQL expression ('-infinity' when there is
  none: everything is in scope). A subquery rather than a value fetched while compiling: that
  would be one more round trip for each of ~100 tests. dbt_meta.builds exists, since every
  invocation's on-run-start creates it.
#}
{% macro newsflow_last_complete_build() -%}
    {%- set builds = '"' ~ target.database ~ '".dbt_meta.builds' -%}
    {%- do return(
        "coalesce((select max(started_at) from " ~ builds ~ " where complete),"
        ~ " '-infinity'::timestamptz)"
    ) -%}
{%- endmacro %}


{#
  Bookkeeping in schema dbt_meta (not marts: it is not data to query):
  - builds: one row per whole-project `dbt build` (no --select), written when it starts and
    marked complete at its end when no node failed; "when were the marts last built, and did
    it pass". Seeds may be left out of such a build when they are loaded and unchanged
    (pipeline.run.dbt).
  - model_watermarks: per incremental model, when it last read its inputs (macros/
    incremental_scope.sql).
  Other invocations (Airflow's per-model tasks, a --select) only make sure the tables exist.
#}
{% macro start_build_log() -%}
    {%- set meta = '"' ~ target.database ~ '".dbt_meta' -%}
    create schema if not exists {{ meta }};
    create table if not exists {{ meta }}.builds (
        invocation_id varchar primary key,
        started_at timestamptz not null,
        finished_at timestamptz,
        full_refresh boolean not null,
        complete boolean not null
    );
    create table if not exists {{ meta }}.model_watermarks (
        model varchar primary key,
        built_at timestamptz not null
    );
    {% if newsflow_whole_build() -%}
    insert into {{ meta }}.builds values (
        '{{ invocation_id }}', now(), null, {{ 'true' if flags.FULL_REFRESH else 'false' }}, false
    ) on conflict do nothing;
    {%- endif %}
{%- endmacro %}


{% macro finish_build_log(results) -%}
    {%- if not newsflow_whole_build() -%}
    select 1
    {%- else -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
    update "{{ target.database }}".dbt_meta.builds
    set finished_at = now(), complete = {{ 'false' if failed else 'true' }}
    where invocation_id = '{{ invocation_id }}'
    {%- endif -%}
{%- endmacro %}


{#
  A `dbt build` of the whole project: nothing selected, and nothing excluded but the seeds
  (pipeline.run.dbt leaves them out when they are loaded and unchanged).
#}
{% macro newsflow_whole_build() -%}
    {%- set excluded = invocation_args_dict.get('exclude') or [] -%}
    {%- set excluded = [excluded] if excluded is string else excluded | list -%}
    {%- do return(
        flags.WHICH == 'build'
        and not invocation_args_dict.get('select')
        and not invocation_args_dict.get('selector')
        and excluded | reject('equalto', 'resource_type:seed') | list | length == 0
    ) -%}
{%- endmacro %}
