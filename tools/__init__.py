"""Developer tooling that lives in the checkout, not in the installed package.

``demo`` (the offline demo web) and ``airflow_local`` (the local-Airflow launcher) are what
``newsflow demo`` and ``newsflow airflow`` load from here, through
``pipeline.cli.tooling.load_tool``; from an installed wheel without a checkout those commands
say which path they need.
"""
