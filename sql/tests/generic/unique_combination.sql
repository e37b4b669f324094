{#
  Fails with one row per duplicated key when the combination of columns is not unique: the grain
  test for every mart. A local stand-in for dbt_utils.unique_combination_of_columns, because the
  project builds offline (no `dbt deps`).

  Usage:
    data_tests:
      - unique_combination:
          arguments:
            combination_of_columns: [day, region_level, region_code]
#}
{% test unique_combination(model, combination_of_columns) %}
{%- set columns = combination_of_columns | join(', ') %}
select
    {{ columns }},
    count(*) as n_rows
from {{ model }}
group by {{ columns }}
having count(*) > 1
{% endtest %}
