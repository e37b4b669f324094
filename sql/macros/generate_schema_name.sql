{#
  dbt's default names a custom schema "<target schema>_<custom>" (e.g. main_marts). Users query
  this DuckDB file directly, so models land in schemas named exactly as configured: staging,
  intermediate, marts, seeds. Nodes without a custom schema fall back to the target's (main).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
