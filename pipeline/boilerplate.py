from pipeline.extract.boilerplate import CleanResult, clean_body  # noqa: F401  (moved; shim)
