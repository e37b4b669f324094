from pipeline.extract.agency import AgencyMatch, detect_agency, find_agency  # noqa: F401  (moved; shim)
