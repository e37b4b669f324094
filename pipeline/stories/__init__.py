"""Stories: body fingerprints and the persisted near-duplicate index that groups articles into
stories (one report, many articles)."""
